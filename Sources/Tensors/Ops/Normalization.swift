/// GroupNorm (optionally fused with SiLU) and LayerNorm as differentiable ops; math and VJPs in
/// `NormKernels` / `RowKernels`.
extension Tensor {
  /// GroupNorm over an NHWC tensor `[B, H, W, C]` (or any `[B, …, C]`) with `groups` groups of
  /// channels; `gamma`, `beta` are `[C]`. With `silu`, returns silu(groupNorm(x)) in one pass, as the
  /// U-Net's ResNet blocks use it.
  public func groupNorm(
    groups: Int, gamma: Tensor, beta: Tensor, eps: Float = 1e-5, silu: Bool = false
  ) -> Tensor {
    let C = shape[rank - 1]
    precondition(C % groups == 0, "groupNorm: \(C) channels are not divisible by \(groups) groups")
    precondition(gamma.shape == [C] && beta.shape == [C], "groupNorm: gamma/beta must be [\(C)]")
    let batch = shape[0]
    let pixels = scalarCount / max(batch * C, 1)
    // A bf16 x (a bf16 convolution's output) is read as it is and kept so for the backward.
    let x = contiguous(dtype: dtype)
    let g = gamma.contiguous(dtype: .f32)
    let b = beta.contiguous(dtype: .f32)
    // At bf16 precision the output is stored as bf16: in the U-Net it feeds only convolutions
    // and linear layers, which round their input to bf16 anyway, so the numbers are the same
    // and a pass over the tensor (the rounding) plus half its writes are saved.
    let bf16Output = ComputePrecision.current == .bf16
    var y = Tensor(uninitializedShape: shape, dtype: bf16Output ? .bf16 : .f32)
    let mean = Tensor(uninitializedShape: [batch, groups])
    let rstd = Tensor(uninitializedShape: [batch, groups])
    NormKernels.groupNormForward(
      batch: batch, pixels: pixels, channels: C, groups: groups, eps: eps, x: x.denseOperand,
      gamma: g.floatPointer, beta: b.floatPointer, silu: silu,
      y: bf16Output ? nil : y.floatPointer, yBF16: bf16Output ? y.bf16Pointer : nil,
      mean: mean.floatPointer, rstd: rstd.floatPointer)
    let s = shape
    y.node = GradNode.make(self, gamma, beta, op: "groupNorm") { dy, _ in
      // dy (y's dtype) is read as it is; dx has x's dtype, as its gradient must.
      let dy = dy.contiguous(dtype: dy.dtype)
      let dx = Tensor(uninitializedShape: s, dtype: x.dtype)
      let dg = Tensor(uninitializedShape: [C])
      let db = Tensor(uninitializedShape: [C])
      NormKernels.groupNormBackward(
        batch: batch, pixels: pixels, channels: C, groups: groups, x: x.denseOperand,
        gamma: g.floatPointer, beta: b.floatPointer, silu: silu, mean: mean.floatPointer,
        rstd: rstd.floatPointer, dy: dy.denseOperand, dx: dx.denseOperand,
        dgamma: dg.floatPointer, dbeta: db.floatPointer)
      return [dx, dg, db]
    }
    return y
  }

  /// LayerNorm over the last dimension; `gamma`, `beta` are `[D]` (nil for no affine).
  /// `feedsProducts`: the output goes only into linear layers or convolutions, so at bf16
  /// precision it is stored as bf16 (they round their input to bf16 anyway: same numbers, and
  /// the three projections of an attention block share one rounded copy). Leave it false when
  /// the output also enters sums or other element-wise ops.
  public func layerNorm(
    gamma: Tensor?, beta: Tensor?, eps: Float = 1e-5, feedsProducts: Bool = false
  ) -> Tensor {
    let d = shape[rank - 1]
    let rows = scalarCount / max(d, 1)
    // A bf16 x (a bf16 projection's output) is read as it is and kept so for the backward.
    let x = contiguous(dtype: dtype)
    let g = gamma?.contiguous(dtype: .f32)
    let b = beta?.contiguous(dtype: .f32)
    let bf16Output = feedsProducts && ComputePrecision.current == .bf16
    var y = Tensor(uninitializedShape: shape, dtype: bf16Output ? .bf16 : .f32)
    let mean = Tensor(uninitializedShape: [rows])
    let rstd = Tensor(uninitializedShape: [rows])
    RowKernels.layerNormForward(
      rows: rows, dim: d, eps: eps, x: x.denseOperand, gamma: g?.floatPointer,
      beta: b?.floatPointer, y: bf16Output ? nil : y.floatPointer,
      yBF16: bf16Output ? y.bf16Pointer : nil, mean: mean.floatPointer, rstd: rstd.floatPointer)
    let s = shape
    let inputs = [self] + [gamma, beta].compactMap { $0 }
    y.node = GradNode.make(inputs: inputs, op: "layerNorm") { dy, _ in
      // dy (y's dtype) is read as it is; dx has x's dtype.
      let dy = dy.contiguous(dtype: dy.dtype)
      let dx = Tensor(uninitializedShape: s, dtype: x.dtype)
      let dg = Tensor(uninitializedShape: [d])
      let db = Tensor(uninitializedShape: [d])
      RowKernels.layerNormBackward(
        rows: rows, dim: d, x: x.denseOperand, gamma: g?.floatPointer, mean: mean.floatPointer,
        rstd: rstd.floatPointer, dy: dy.denseOperand, dx: dx.denseOperand,
        dgamma: dg.floatPointer, dbeta: db.floatPointer)
      var grads: [Tensor?] = [dx]
      if g != nil { grads.append(dg) }
      if b != nil { grads.append(db) }
      return grads
    }
    return y
  }

  /// Softmax along the last dimension.
  public func softmax() -> Tensor {
    let d = shape[rank - 1]
    let rows = scalarCount / max(d, 1)
    let x = contiguous(dtype: .f32)
    var y = Tensor(uninitializedShape: shape)
    RowKernels.softmaxForward(rows: rows, dim: d, x: x.floatPointer, y: y.floatPointer)
    let saved = y
    y.node = GradNode.make(self, op: "softmax") { dy in
      let dy = dy.contiguous(dtype: .f32)
      let dx = Tensor(uninitializedShape: saved.shape)
      RowKernels.softmaxBackward(
        rows: rows, dim: d, y: saved.floatPointer, dy: dy.floatPointer, dx: dx.floatPointer)
      return [dx]
    }
    return y
  }
}
