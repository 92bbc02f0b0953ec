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
    let x = contiguous(dtype: .f32)
    let w = weight.contiguous(dtype: .f32)
    let b = bias?.contiguous(dtype: .f32)
    let precision = ComputePrecision.current
    var out = Tensor(uninitializedShape: [g.batch, g.outHeight, g.outWidth, g.outChannels])
    FLOPCounter.add(g.flops)
    OneDNN.conv2dForward(
      g, input: x.floatPointer, weight: w.floatPointer, bias: b?.floatPointer,
      output: out.floatPointer, precision: precision)
    let inputs = [self, weight] + (bias.map { [$0] } ?? [])
    out.node = GradNode.make(inputs: inputs, op: "conv2d") { dy, needs in
      let dy = dy.contiguous(dtype: .f32)
      var grads: [Tensor?] = [nil, nil]
      if needs[0] {
        let dx = Tensor(uninitializedShape: x.shape)
        OneDNN.conv2dBackwardData(
          g, gradOutput: dy.floatPointer, weight: w.floatPointer, gradInput: dx.floatPointer,
          precision: precision)
        grads[0] = dx
      }
      let wantBias = needs.count > 2 && needs[2]
      if needs[1] || wantBias {
        let dw = Tensor(uninitializedShape: w.shape)
        let db = wantBias ? Tensor(uninitializedShape: [g.outChannels]) : nil
        OneDNN.conv2dBackwardWeights(
          g, input: x.floatPointer, gradOutput: dy.floatPointer, gradWeight: dw.floatPointer,
          gradBias: db?.floatPointer, precision: precision)
        grads[1] = needs[1] ? dw : nil
        if needs.count > 2 { grads.append(db) }
      } else if needs.count > 2 {
        grads.append(nil)
      }
      return grads
    }
    return out
  }
}
