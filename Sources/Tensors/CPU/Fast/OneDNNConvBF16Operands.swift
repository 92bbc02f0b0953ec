import CDNNL

/// Convolutions whose activation operands (x, dy) are already bf16, for the bf16 training path.
///
/// The fp32 entry points round x and dy to bf16 inside every call: a convolution's x twice
/// (forward, backward-weights) and its dy twice (backward-data, backward-weights), each a full
/// pass over the tensor, and every plan keeps its own bf16 buffers for them. Here the caller
/// rounds each tensor once (``BF16Kernels``) and may keep the half-size bf16 x for the
/// backward pass instead of the fp32 one. The forward result is bf16 (autocast's activations),
/// and so may be dx (a bf16 x's gradient); weights, bias and their gradients stay fp32. The
/// numbers are those of the fp32 entry points with `.bf16` precision (the same roundings, the
/// same kernels), the bf16 results rounded once.
extension OneDNN {
  /// y = conv(x, w) + bias with `input` in bf16. Overwrites `output` (`[N, OH, OW, O]`, bf16:
  /// accumulated in fp32, rounded to nearest even once, as PyTorch's autocast writes it).
  public static func conv2dForward(
    _ g: Conv2dGeometry, inputBF16 input: UnsafePointer<UInt16>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, outputBF16 output: UnsafeMutablePointer<UInt16>
  ) {
    let key = OneDNNPlanKey.conv(
      g, .forward, .bf16, withBias: bias != nil, weights: convWeightsFormat, bf16Operands: true)
    let pointers =
      [oneDNNRaw(input), oneDNNRaw(weight)] + (bias.map { [oneDNNRaw($0)] } ?? []) + [
        oneDNNRaw(output)
      ]
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) { return }
    let x = OneDNNWidenedCopy(input, count: g.inputCount)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: g.outputCount)
    defer { y.deallocate() }
    withExtendedLifetime(x) {
      conv2dForward(g, input: x.pointer, weight: weight, bias: bias, output: y, precision: .bf16)
    }
    BF16Kernels.round(y, into: output, count: g.outputCount)
  }

  /// dx = conv_transpose(dy, w) with `gradOutput` in bf16. Overwrites `gradInput` (fp32).
  public static func conv2dBackwardData(
    _ g: Conv2dGeometry, gradOutputBF16 gradOutput: UnsafePointer<UInt16>,
    weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>
  ) {
    let key = OneDNNPlanKey.conv(
      g, .backwardData, .bf16, withBias: false, weights: convWeightsFormat, bf16Operands: true)
    let pointers = [oneDNNRaw(gradOutput), oneDNNRaw(weight), oneDNNRaw(gradInput)]
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) { return }
    let dy = OneDNNWidenedCopy(gradOutput, count: g.outputCount)
    withExtendedLifetime(dy) {
      conv2dBackwardData(
        g, gradOutput: dy.pointer, weight: weight, gradInput: gradInput, precision: .bf16)
    }
  }

  /// dx = conv_transpose(dy, w) with `gradOutput` in bf16 and `gradInput` written as bf16 (the
  /// gradient of a bf16 x): accumulated in fp32, rounded once.
  public static func conv2dBackwardData(
    _ g: Conv2dGeometry, gradOutputBF16 gradOutput: UnsafePointer<UInt16>,
    weight: UnsafePointer<Float>, gradInputBF16 gradInput: UnsafeMutablePointer<UInt16>
  ) {
    let key = OneDNNPlanKey.conv(
      g, .backwardData, .bf16, withBias: false, weights: convWeightsFormat, bf16Operands: true,
      bf16GradInput: true)
    let pointers = [oneDNNRaw(gradOutput), oneDNNRaw(weight), oneDNNRaw(gradInput)]
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) { return }
    let dx = UnsafeMutablePointer<Float>.allocate(capacity: g.inputCount)
    defer { dx.deallocate() }
    conv2dBackwardData(g, gradOutputBF16: gradOutput, weight: weight, gradInput: dx)
    BF16Kernels.round(dx, into: gradInput, count: g.inputCount)
  }

  /// dw, db from bf16 `input` and `gradOutput`. Overwrites `gradWeight` and `gradBias` (fp32).
  public static func conv2dBackwardWeights(
    _ g: Conv2dGeometry, inputBF16 input: UnsafePointer<UInt16>,
    gradOutputBF16 gradOutput: UnsafePointer<UInt16>, gradWeight: UnsafeMutablePointer<Float>,
    gradBias: UnsafeMutablePointer<Float>?
  ) {
    let key = OneDNNPlanKey.conv(
      g, .backwardWeights, .bf16, withBias: gradBias != nil, weights: convWeightsFormat,
      bf16Operands: true)
    let pointers =
      [oneDNNRaw(input), oneDNNRaw(gradOutput), UnsafeMutableRawPointer(gradWeight)]
      + (gradBias.map { [UnsafeMutableRawPointer($0)] } ?? [])
    if OneDNNRuntime.shared.run(key, pointers, build: { buildConv($0, key) }) { return }
    let x = OneDNNWidenedCopy(input, count: g.inputCount)
    let dy = OneDNNWidenedCopy(gradOutput, count: g.outputCount)
    withExtendedLifetime((x, dy)) {
      conv2dBackwardWeights(
        g, input: x.pointer, gradOutput: dy.pointer, gradWeight: gradWeight, gradBias: gradBias,
        precision: .bf16)
    }
  }
}

/// A temporary fp32 copy of bf16 values (exact); for CPUs without a bf16 kernel, where the
/// fp32 entry points' emulation takes over.
final class OneDNNWidenedCopy {
  let pointer: UnsafeMutablePointer<Float>

  init(_ source: UnsafePointer<UInt16>, count: Int) {
    pointer = .allocate(capacity: count)
    for i in 0..<count { pointer[i] = floatFromBF16Bits(source[i]) }
  }

  deinit { pointer.deallocate() }
}
