/// Matrix products on oneDNN: batched matmul and the linear layer, with VJPs.
///
/// C = A·B:  ∂L/∂A = ∂L/∂C · Bᵀ,  ∂L/∂B = Aᵀ · ∂L/∂C (summed over the batch when B is shared).
extension Tensor {
  /// `[…, M, K] · […, K, N] → […, M, N]` with equal batch dimensions, or `[…, M, K] · [K, N]`.
  public func matmul(_ other: Tensor) -> Tensor {
    precondition(rank >= 2 && other.rank >= 2, "matmul needs rank ≥ 2: \(shape) · \(other.shape)")
    let (m, k) = (shape[rank - 2], shape[rank - 1])
    let (k2, n) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
    precondition(k == k2, "matmul: inner dimensions differ: \(shape) · \(other.shape)")
    let a = contiguous(dtype: .f32)
    let b = other.contiguous(dtype: .f32)
    let precision = ComputePrecision.current
    if other.rank == 2 {
      // Shared B: one [rows, K] · [K, N] product.
      let rows = scalarCount / k
      var out = Tensor(uninitializedShape: Array(shape.dropLast()) + [n])
      FLOPCounter.add(2 * Double(rows * n * k))
      OneDNN.matmul(
        batch: 1, m: rows, n: n, k: k, a: a.floatPointer, transposeA: false, b: b.floatPointer,
        transposeB: false, bBatchStride: nil, c: out.floatPointer, bias: nil, accumulate: false,
        precision: precision)
      out.node = GradNode.make(self, other, op: "matmul") { g, needs in
        let g = g.contiguous(dtype: .f32)
        var da: Tensor? = nil
        var db: Tensor? = nil
        if needs[0] {
          let t = Tensor(uninitializedShape: a.shape)
          OneDNN.matmul(
            batch: 1, m: rows, n: k, k: n, a: g.floatPointer, transposeA: false,
            b: b.floatPointer, transposeB: true, bBatchStride: nil, c: t.floatPointer, bias: nil,
            accumulate: false, precision: precision)
          da = t
        }
        if needs[1] {
          let t = Tensor(uninitializedShape: [k, n])
          OneDNN.matmul(
            batch: 1, m: k, n: n, k: rows, a: a.floatPointer, transposeA: true,
            b: g.floatPointer, transposeB: false, bBatchStride: nil, c: t.floatPointer, bias: nil,
            accumulate: false, precision: precision)
          db = t
        }
        return [da, db]
      }
      return out
    }
    precondition(
      Array(shape.dropLast(2)) == Array(other.shape.dropLast(2)),
      "matmul: batch dimensions differ: \(shape) · \(other.shape)")
    let batch = scalarCount / (m * k)
    var out = Tensor(uninitializedShape: Array(shape.dropLast()) + [n])
    FLOPCounter.add(2 * Double(batch * m * n * k))
    OneDNN.matmul(
      batch: batch, m: m, n: n, k: k, a: a.floatPointer, transposeA: false, b: b.floatPointer,
      transposeB: false, bBatchStride: nil, c: out.floatPointer, bias: nil, accumulate: false,
      precision: precision)
    out.node = GradNode.make(self, other, op: "bmm") { g, needs in
      let g = g.contiguous(dtype: .f32)
      var da: Tensor? = nil
      var db: Tensor? = nil
      if needs[0] {
        let t = Tensor(uninitializedShape: a.shape)
        OneDNN.matmul(
          batch: batch, m: m, n: k, k: n, a: g.floatPointer, transposeA: false, b: b.floatPointer,
          transposeB: true, bBatchStride: nil, c: t.floatPointer, bias: nil, accumulate: false,
          precision: precision)
        da = t
      }
      if needs[1] {
        let t = Tensor(uninitializedShape: b.shape)
        OneDNN.matmul(
          batch: batch, m: k, n: n, k: m, a: a.floatPointer, transposeA: true, b: g.floatPointer,
          transposeB: false, bBatchStride: nil, c: t.floatPointer, bias: nil, accumulate: false,
          precision: precision)
        db = t
      }
      return [da, db]
    }
    return out
  }

  /// y = x·Wᵀ + b over the last dimension; `weight` is `[out, in]` (PyTorch's layout, so
  /// checkpoints need no transpose), `bias` `[out]`.
  /// VJP: ∂x = ∂y·W, ∂W = ∂yᵀ·x, ∂b = Σ_rows ∂y.
  public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
    let inF = shape[rank - 1]
    let outF = weight.shape[0]
    precondition(
      weight.shape == [outF, inF], "linear: weight \(weight.shape) does not fit input \(shape)")
    if let bias { precondition(bias.shape == [outF], "linear: bias \(bias.shape) ≠ [\(outF)]") }
    let x = contiguous(dtype: .f32)
    let w = weight.contiguous(dtype: .f32)
    let bv = bias?.contiguous(dtype: .f32)
    let rows = scalarCount / inF
    let precision = ComputePrecision.current
    var out = Tensor(uninitializedShape: Array(shape.dropLast()) + [outF])
    FLOPCounter.add(2 * Double(rows * outF * inF))
    OneDNN.matmul(
      batch: 1, m: rows, n: outF, k: inF, a: x.floatPointer, transposeA: false, b: w.floatPointer,
      transposeB: true, bBatchStride: nil, c: out.floatPointer, bias: bv?.floatPointer,
      accumulate: false, precision: precision)
    let inputs = [self, weight] + (bias.map { [$0] } ?? [])
    out.node = GradNode.make(inputs: inputs, op: "linear") { g, needs in
      let g = g.contiguous(dtype: .f32)
      var grads: [Tensor?] = []
      if needs[0] {
        let dx = Tensor(uninitializedShape: x.shape)
        OneDNN.matmul(
          batch: 1, m: rows, n: inF, k: outF, a: g.floatPointer, transposeA: false,
          b: w.floatPointer, transposeB: false, bBatchStride: nil, c: dx.floatPointer, bias: nil,
          accumulate: false, precision: precision)
        grads.append(dx)
      } else {
        grads.append(nil)
      }
      if needs[1] {
        let dw = Tensor(uninitializedShape: [outF, inF])
        OneDNN.matmul(
          batch: 1, m: outF, n: inF, k: rows, a: g.floatPointer, transposeA: true,
          b: x.floatPointer, transposeB: false, bBatchStride: nil, c: dw.floatPointer, bias: nil,
          accumulate: false, precision: precision)
        grads.append(dw)
      } else {
        grads.append(nil)
      }
      if needs.count > 2 {
        grads.append(needs[2] ? Tensor.sumToShape(g.reshaped(to: [rows, outF]), [outF]) : nil)
      }
      return grads
    }
    return out
  }
}
