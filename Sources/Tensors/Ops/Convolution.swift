/// 2-D convolution over NHWC activations on oneDNN, with VJPs (backward-data for ∂x,
/// backward-weights for ∂W and ∂b).
extension Tensor {
  /// `x [N, H, W, I]` ⊛ `weight [O, KH, KW, I]` (+ `bias [O]`) → `[N, OH, OW, O]`.
  public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
    precondition(rank == 4, "conv2d expects NHWC input, got \(shape)")
    precondition(
      weight.rank == 4 && weight.shape[3] == shape[3],
      "conv2d: weight \(weight.shape) (OHWI) does not fit input \(shape)")
    let g = Conv2dGeometry(
      batch: shape[0], height: shape[1], width: shape[2], inChannels: shape[3],
      outChannels: weight.shape[0], kernelH: weight.shape[1], kernelW: weight.shape[2],
      strideH: stride, strideW: stride, padH: padding, padW: padding)
    if let bias { precondition(bias.shape == [g.outChannels], "conv2d: bias \(bias.shape)") }
    let w = weight.contiguous(dtype: .f32)
    let b = bias?.contiguous(dtype: .f32)
    let precision = ComputePrecision.current
    // At bf16 the result is bf16, as under PyTorch's autocast: the element-wise ops and norms
    // that read it compute in fp32 and read half the bytes.
    var out = Tensor(
      uninitializedShape: [g.batch, g.outHeight, g.outWidth, g.outChannels],
      dtype: precision == .bf16 ? .bf16 : .f32)
    FLOPCounter.add(g.flops)
    let inputs = [self, weight] + (bias.map { [$0] } ?? [])
    if precision == .bf16 {
      out.node = conv2dBF16(g, weight: w, bias: b, output: out, inputs: inputs)
      return out
    }
    let x = contiguous(dtype: .f32)
    OneDNN.conv2dForward(
      g, input: x.floatPointer, weight: w.floatPointer, bias: b?.floatPointer,
      output: out.floatPointer, precision: precision)
    out.node = GradNode.make(inputs: inputs, op: "conv2d") { dy, needs in
      let dy = dy.contiguous(dtype: .f32)
      return Tensor.conv2dGradients(
        g, inputShape: x.shape, inputDType: .f32, weightShape: w.shape, needs: needs,
        data: {
          OneDNN.conv2dBackwardData(
            g, gradOutput: dy.floatPointer, weight: w.floatPointer, gradInput: $0.floatPointer,
            precision: precision)
        },
        weights: {
          OneDNN.conv2dBackwardWeights(
            g, input: x.floatPointer, gradOutput: dy.floatPointer, gradWeight: $0, gradBias: $1,
            precision: precision)
        })
    }
    return out
  }

  /// The bf16 path: x is rounded to bf16 once (a bf16 x is used as it is) and that half-size
  /// copy is what the backward pass keeps; dy (bf16, as y is) is read as it is by both
  /// backward products; the result is written as bf16, and so is dx when x is bf16 (its
  /// gradient has its dtype). Same numbers as the fp32 entry points at `.bf16` precision,
  /// with the results rounded once.
  private func conv2dBF16(
    _ g: Conv2dGeometry, weight w: Tensor, bias b: Tensor?, output out: Tensor, inputs: [Tensor]
  ) -> GradNode? {
    let xb = contiguous(dtype: .bf16)
    OneDNN.conv2dForward(
      g, inputBF16: xb.bf16Pointer, weight: w.floatPointer, bias: b?.floatPointer,
      outputBF16: out.bf16Pointer)
    let inputDType = dtype
    return GradNode.make(inputs: inputs, op: "conv2d") { dy, needs in
      let dyb = dy.contiguous(dtype: .bf16)
      return Tensor.conv2dGradients(
        g, inputShape: xb.shape, inputDType: inputDType, weightShape: w.shape, needs: needs,
        data: { dx in
          if dx.dtype == .bf16 {
            OneDNN.conv2dBackwardData(
              g, gradOutputBF16: dyb.bf16Pointer, weight: w.floatPointer,
              gradInputBF16: dx.bf16Pointer)
          } else {
            OneDNN.conv2dBackwardData(
              g, gradOutputBF16: dyb.bf16Pointer, weight: w.floatPointer,
              gradInput: dx.floatPointer)
          }
        },
        weights: {
          OneDNN.conv2dBackwardWeights(
            g, inputBF16: xb.bf16Pointer, gradOutputBF16: dyb.bf16Pointer, gradWeight: $0,
            gradBias: $1)
        })
    }
  }

  /// The VJP's bookkeeping for both paths: [∂x, ∂W(, ∂b)], each computed only when needed;
  /// `data` fills ∂x (`inputDType`), `weights` fills ∂W and, when asked for, ∂b.
  private static func conv2dGradients(
    _ g: Conv2dGeometry, inputShape: [Int], inputDType: DType, weightShape: [Int],
    needs: [Bool], data: (Tensor) -> Void,
    weights: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void
  ) -> [Tensor?] {
    var grads: [Tensor?] = [nil, nil]
    if needs[0] {
      let dx = Tensor(uninitializedShape: inputShape, dtype: inputDType)
      data(dx)
      grads[0] = dx
    }
    let wantBias = needs.count > 2 && needs[2]
    if needs[1] || wantBias {
      let dw = Tensor(uninitializedShape: weightShape)
      let db = wantBias ? Tensor(uninitializedShape: [g.outChannels]) : nil
      weights(dw.floatPointer, db?.floatPointer)
      grads[1] = needs[1] ? dw : nil
      if needs.count > 2 { grads.append(db) }
    } else if needs.count > 2 {
      grads.append(nil)
    }
    return grads
  }
}
