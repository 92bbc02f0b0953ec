import CDNNL

#if canImport(Glibc)
  import Glibc
#endif

/// Convolutions and matrix products through oneDNN 2.6 (C API), on raw fp32 pointers.
///
/// Layouts: activations NHWC, conv weights OHWI, bias `[O]`, all contiguous fp32.
/// Primitives are built once per (geometry, direction, precision) and cached.
/// `.bf16`: operands are rounded to bfloat16, products accumulate in fp32, results are
/// fp32. Where oneDNN has a fast bf16 kernel (AVX512-BF16/AMX) the wrapper converts the
/// activations (`BF16Kernels`, in the plan) and the weights (a oneDNN reorder into the kernel's
/// blocked layout) and runs it; the bf16 training path passes activations already rounded
/// (`OneDNNConvBF16Operands.swift`). Where it has none, or only its slow reference loop (AVX2),
/// the operands are rounded to bf16 in Swift and the fp32 kernel runs on them: the same
/// numbers up to summation order (see `OneDNNBF16.swift`).
public enum OneDNN {
  /// Which weights layout the convolutions use. Measured (oneDNN 2.6.3, AVX2): with plain
  /// OHWI weights oneDNN offers only `ref:any` (orders of magnitude slower); with `.any` it
  /// picks `jit:avx2` / `jit_1x1:avx2` on a blocked layout (e.g. `ABcd8b8a`) and a `jit:uni`
  /// reorder from OHWI on every call (weights change every step; well under 1 ms at U-Net
  /// sizes, small next to the convolution). `GLYFFUSER_ONEDNN_WEIGHTS=plain|any` overrides, for benchmarking.
  static let convWeightsFormat: OneDNNWeightsFormat = {
    switch oneDNNEnvironment("GLYFFUSER_ONEDNN_WEIGHTS") {
    case "plain": return .plain
    case "any": return .any
    default: return .any
    }
  }()

  /// y = conv(x, w) + bias. Overwrites `output` (`[N, OH, OW, O]`).
  public static func conv2dForward(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, precision: Precision
  ) {
    let key = OneDNNPlanKey.conv(
      g, .forward, precision, withBias: bias != nil, weights: convWeightsFormat)
    let pointers =
      [oneDNNRaw(input), oneDNNRaw(weight)] + (bias.map { [oneDNNRaw($0)] } ?? []) + [
        oneDNNRaw(output)
      ]
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) {
      return
    }
    // bf16 without a usable oneDNN kernel: round the operands, run fp32.
    let x = OneDNNBF16Copy(input, count: g.inputCount)
    let w = OneDNNBF16Copy(weight, count: g.weightCount)
    withExtendedLifetime((x, w)) {
      conv2dForward(
        g, input: x.pointer, weight: w.pointer, bias: bias, output: output, precision: .f32)
    }
  }

  /// dx = conv_transpose(dy, w). Overwrites `gradInput` (`[N, H, W, I]`).
  public static func conv2dBackwardData(
    _ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    gradInput: UnsafeMutablePointer<Float>, precision: Precision
  ) {
    let key = OneDNNPlanKey.conv(
      g, .backwardData, precision, withBias: false, weights: convWeightsFormat)
    let pointers = [oneDNNRaw(gradOutput), oneDNNRaw(weight), oneDNNRaw(gradInput)]
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) {
      return
    }
    let dy = OneDNNBF16Copy(gradOutput, count: g.outputCount)
    let w = OneDNNBF16Copy(weight, count: g.weightCount)
    withExtendedLifetime((dy, w)) {
      conv2dBackwardData(
        g, gradOutput: dy.pointer, weight: w.pointer, gradInput: gradInput, precision: .f32)
    }
  }

  /// dw = Σ dy ⊗ x over batch and pixels; db = Σ dy. Overwrites `gradWeight`
  /// (`[O, KH, KW, I]`) and `gradBias` (`[O]`, when given).
  public static func conv2dBackwardWeights(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
    gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?,
    precision: Precision
  ) {
    // 1×1 stride 1 in fp32: a deterministic product over pixels (see
    // `pointwiseConvWeightGradient`). At bf16 oneDNN's convolution stays: the chunked bf16
    // gemm was 1.00-1.10x slower (B32 C64->128 32x32 and C128->256 16x16, backward).
    if isPointwise(g) && precision == .f32 {
      return pointwiseConvWeightGradient(
        g, input: input, gradOutput: gradOutput, gradWeight: gradWeight,
        gradBias: gradBias)
    }
    let key = OneDNNPlanKey.conv(
      g, .backwardWeights, precision, withBias: gradBias != nil, weights: convWeightsFormat)
    let pointers =
      [oneDNNRaw(input), oneDNNRaw(gradOutput), UnsafeMutableRawPointer(gradWeight)]
      + (gradBias.map { [UnsafeMutableRawPointer($0)] } ?? [])
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) {
      return
    }
    let x = OneDNNBF16Copy(input, count: g.inputCount)
    let dy = OneDNNBF16Copy(gradOutput, count: g.outputCount)
    withExtendedLifetime((x, dy)) {
      conv2dBackwardWeights(
        g, input: x.pointer, gradOutput: dy.pointer, gradWeight: gradWeight, gradBias: gradBias,
        precision: .f32)
    }
  }

  /// Implementation names oneDNN runs for a convolution (reorders included), e.g.
  /// `["jit:avx2"]`; builds the primitive if needed. Empty when the bf16 emulation is used.
  public static func convImplementations(
    _ g: Conv2dGeometry, direction: String, precision: Precision, withBias: Bool = false
  ) -> [String] {
    let dir: OneDNNConvDirection =
      direction == "fwd" ? .forward : direction == "bwd_d" ? .backwardData : .backwardWeights
    let key = OneDNNPlanKey.conv(g, dir, precision, withBias: withBias, weights: convWeightsFormat)
    return OneDNNRuntime.shared.implementations(key) { buildConv($0, key) }
  }
}

@inline(__always) func oneDNNRaw<T>(_ p: UnsafePointer<T>) -> UnsafeMutableRawPointer {
  UnsafeMutableRawPointer(mutating: p)
}
@inline(__always) func oneDNNRaw<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutableRawPointer {
  UnsafeMutableRawPointer(p)
}

func oneDNNEnvironment(_ name: String) -> String? {
  guard let value = getenv(name) else { return nil }
  return String(cString: value)
}

extension OneDNN {
  /// Builds the primitives for one convolution key. User pointers, in order:
  /// forward (x, w, [bias], y); backward data (dy, w, dx); backward weights (x, dy, dw, [db]).
  /// Returns nil when oneDNN has no bf16 kernel here, or only its reference loop.
  static func buildConv(_ engine: OpaquePointer, _ key: OneDNNPlanKey) -> OneDNNPlan? {
    guard
      case .conv(
        let g, let direction, let precision, let withBias, let format, let bf16Operands,
        let bf16GradInput) = key
    else {
      return nil
    }
    let type = precision == .bf16 ? dnnl_bf16 : dnnl_f32
    let operandType = bf16Operands ? dnnl_bf16 : dnnl_f32
    let xDims = [g.batch, g.inChannels, g.height, g.width]
    let yDims = [g.batch, g.outChannels, g.outHeight, g.outWidth]
    let wDims = [g.outChannels, g.inChannels, g.kernelH, g.kernelW]
    // Operands the caller passes (x, dy) and results it receives (y: bf16 with bf16 operands,
    // else fp32; dx: bf16 when asked for, else fp32; dw: fp32).
    let xUser = oneDNNDesc(xDims, operandType, dnnl_nhwc)
    let dyUser = oneDNNDesc(yDims, operandType, dnnl_nhwc)
    let yUser = oneDNNDesc(yDims, operandType, dnnl_nhwc)
    let dxUser = oneDNNDesc(xDims, bf16GradInput ? dnnl_bf16 : dnnl_f32, dnnl_nhwc)
    let wUser = oneDNNDesc(wDims, dnnl_f32, dnnl_ohwi)
    var xCompute = oneDNNDesc(xDims, type, dnnl_nhwc)
    var yCompute = oneDNNDesc(yDims, type, dnnl_nhwc)
    var wCompute = oneDNNDesc(wDims, type, format == .any ? dnnl_format_tag_any : dnnl_ohwi)
    let biasDesc = oneDNNDesc([g.outChannels], dnnl_f32, dnnl_a)
    let noBias = dnnl_memory_desc_t()
    let strides: [Int64] = [Int64(g.strideH), Int64(g.strideW)]
    let padding: [Int64] = [Int64(g.padH), Int64(g.padW)]

    // Forward descriptor: the computation itself, or the hint a backward one needs.
    func forwardDesc(output: dnnl_memory_desc_t, bias: Bool) -> dnnl_convolution_desc_t {
      var desc = dnnl_convolution_desc_t()
      var out = output
      var biasOrNone = bias ? biasDesc : noBias
      oneDNNCheck(
        dnnl_convolution_forward_desc_init(
          &desc, dnnl_forward_training, dnnl_convolution_direct, &xCompute, &wCompute,
          &biasOrNone, &out, strides, padding, padding),
        "convolution_forward_desc_init \(g)")
      return desc
    }
    // bf16: only real kernels (the reference loop is slower than rounding + fp32).
    // Backward weights: not the 1×1-specialised kernel, whose minibatch reduction across
    // threads makes dW depend on the thread count (measured: 1 vs 2 threads differ for
    // B32 C64->128 32x32 k1; the generic jit kernel gives identical bits).
    func accept(_ name: String) -> Bool {
      (precision == .f32 || !name.hasPrefix("ref"))
        && (direction != .backwardWeights || !name.contains("1x1"))
    }

    let plan = OneDNNPlan(engine: engine)
    switch direction {
    case .forward:
      var desc = forwardDesc(output: yUser, bias: withBias)
      guard let pd = OneDNNPlan.makeDescriptor(&desc, engine: engine, accept: accept) else {
        return nil
      }
      let x = plan.userMemory(xUser)
      let w = plan.userMemory(wUser)
      let b = withBias ? plan.userMemory(biasDesc) : nil
      let y = plan.userMemory(yUser)
      let xc = plan.reorder(x, from: xUser, to: xCompute)
      let wc = plan.reorder(w, from: wUser, to: OneDNNPlan.query(pd, dnnl_query_weights_md))
      var args = [(DNNL_ARG_SRC, xc), (DNNL_ARG_WEIGHTS, wc), (DNNL_ARG_DST, y)]
      if let b { args.append((DNNL_ARG_BIAS, b)) }
      plan.append(pd, args)

    case .backwardData:
      var hintDesc = forwardDesc(output: yCompute, bias: false)
      guard let hint = OneDNNPlan.makeDescriptor(&hintDesc, engine: engine) else { return nil }
      defer { dnnl_primitive_desc_destroy(hint) }
      var desc = dnnl_convolution_desc_t()
      var dx = dxUser
      oneDNNCheck(
        dnnl_convolution_backward_data_desc_init(
          &desc, dnnl_convolution_direct, &dx, &wCompute, &yCompute, strides, padding, padding),
        "convolution_backward_data_desc_init \(g)")
      guard
        let pd = OneDNNPlan.makeDescriptor(&desc, engine: engine, hint: hint, accept: accept)
      else {
        return nil
      }
      let dy = plan.userMemory(dyUser)
      let w = plan.userMemory(wUser)
      let dxMem = plan.userMemory(dxUser)
      let dyc = plan.reorder(dy, from: dyUser, to: yCompute)
      let wc = plan.reorder(w, from: wUser, to: OneDNNPlan.query(pd, dnnl_query_weights_md))
      plan.append(
        pd, [(DNNL_ARG_DIFF_DST, dyc), (DNNL_ARG_WEIGHTS, wc), (DNNL_ARG_DIFF_SRC, dxMem)])

    case .backwardWeights:
      var hintDesc = forwardDesc(output: yCompute, bias: withBias)
      guard let hint = OneDNNPlan.makeDescriptor(&hintDesc, engine: engine) else { return nil }
      defer { dnnl_primitive_desc_destroy(hint) }
      var dwCompute = oneDNNDesc(
        wDims, dnnl_f32, format == .any ? dnnl_format_tag_any : dnnl_ohwi)
      var desc = dnnl_convolution_desc_t()
      var biasOrNone = withBias ? biasDesc : noBias
      oneDNNCheck(
        dnnl_convolution_backward_weights_desc_init(
          &desc, dnnl_convolution_direct, &xCompute, &dwCompute,
          &biasOrNone, &yCompute, strides, padding, padding),
        "convolution_backward_weights_desc_init \(g)")
      guard
        let pd = OneDNNPlan.makeDescriptor(&desc, engine: engine, hint: hint, accept: accept)
      else {
        return nil
      }
      let x = plan.userMemory(xUser)
      let dy = plan.userMemory(dyUser)
      let dw = plan.userMemory(wUser)
      let db = withBias ? plan.userMemory(biasDesc) : nil
      let xc = plan.reorder(x, from: xUser, to: xCompute)
      let dyc = plan.reorder(dy, from: dyUser, to: yCompute)
      let dwChosen = OneDNNPlan.query(pd, dnnl_query_diff_weights_md)
      let dwc = oneDNNEqual(dwChosen, wUser) ? dw : plan.buffer(dwChosen)
      var args = [(DNNL_ARG_SRC, xc), (DNNL_ARG_DIFF_DST, dyc), (DNNL_ARG_DIFF_WEIGHTS, dwc)]
      if let db { args.append((DNNL_ARG_DIFF_BIAS, db)) }
      plan.append(pd, args)
      if dwc != dw { plan.reorder(dwc, from: dwChosen, into: dw, wUser) }
    }
    return plan
  }
}
