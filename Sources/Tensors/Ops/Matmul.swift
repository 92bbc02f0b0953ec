/// Matrix products on oneDNN: batched matmul and the linear layer, with VJPs.
///
/// C = A·B:  ∂L/∂A = ∂L/∂C · Bᵀ,  ∂L/∂B = Aᵀ · ∂L/∂C (summed over the batch when B is shared).
extension Tensor {
  /// A new dense `shape` tensor holding `batch` products op(A)·op(B) of `m×k` by `k×n`
  /// (row-major, op = transpose when flagged) plus an optional bias over n.
  private static func product(
    _ shape: [Int], batch: Int, m: Int, n: Int, k: Int, _ a: Tensor, transposeA: Bool,
    _ b: Tensor, transposeB: Bool, bias: Tensor? = nil, precision: Precision
  ) -> Tensor {
    let out = Tensor(uninitializedShape: shape)
    OneDNN.matmul(
      batch: batch, m: m, n: n, k: k, a: a.floatPointer, transposeA: transposeA,
      b: b.floatPointer, transposeB: transposeB, bBatchStride: nil, c: out.floatPointer,
      bias: bias?.floatPointer, accumulate: false, precision: precision)
    return out
  }

  /// `[…, M, K] · […, K, N] → […, M, N]` with equal batch dimensions, or `[…, M, K] · [K, N]`.
  public func matmul(_ other: Tensor) -> Tensor {
    precondition(rank >= 2 && other.rank >= 2, "matmul needs rank ≥ 2: \(shape) · \(other.shape)")
    let (m, k) = (shape[rank - 2], shape[rank - 1])
    let (k2, n) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
    precondition(k == k2, "matmul: inner dimensions differ: \(shape) · \(other.shape)")
    let shared = other.rank == 2
    if !shared {
      precondition(
        Array(shape.dropLast(2)) == Array(other.shape.dropLast(2)),
        "matmul: batch dimensions differ: \(shape) · \(other.shape)")
    }
    // A shared B is one [rows, K] · [K, N] product over all leading dimensions.
    let batch = shared ? 1 : scalarCount / (m * k)
    let rows = shared ? scalarCount / k : m
    let a = contiguous(dtype: .f32)
    let b = other.contiguous(dtype: .f32)
    let precision = ComputePrecision.current
    FLOPCounter.add(2 * Double(batch * rows * n * k))
    var out = Tensor.product(
      Array(shape.dropLast()) + [n], batch: batch, m: rows, n: n, k: k, a, transposeA: false, b,
      transposeB: false, precision: precision)
    out.node = GradNode.make(self, other, op: "matmul") { g, needs in
      let g = g.contiguous(dtype: .f32)
      return [
        needs[0]
          ? Tensor.product(
            a.shape, batch: batch, m: rows, n: k, k: n, g, transposeA: false, b, transposeB: true,
            precision: precision) : nil,
        needs[1]
          ? Tensor.product(
            b.shape, batch: batch, m: k, n: n, k: rows, a, transposeA: true, g, transposeB: false,
            precision: precision) : nil,
      ]
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
    let w = weight.contiguous(dtype: .f32)
    let rows = scalarCount / inF
    let precision = ComputePrecision.current
    FLOPCounter.add(2 * Double(rows * outF * inF))
    if precision == .bf16 {
      return linearBF16(weight: weight, w, bias: bias, rows: rows, inF: inF, outF: outF)
    }
    let x = contiguous(dtype: .f32)
    var out = Tensor.product(
      Array(shape.dropLast()) + [outF], batch: 1, m: rows, n: outF, k: inF, x, transposeA: false,
      w, transposeB: true, bias: bias?.contiguous(dtype: .f32), precision: precision)
    let inputs = [self, weight] + (bias.map { [$0] } ?? [])
    out.node = GradNode.make(inputs: inputs, op: "linear") { g, needs in
      let g = g.contiguous(dtype: .f32)
      var grads: [Tensor?] = [
        needs[0]
          ? Tensor.product(
            x.shape, batch: 1, m: rows, n: inF, k: outF, g, transposeA: false, w,
            transposeB: false, precision: precision) : nil,
        needs[1]
          ? Tensor.product(
            [outF, inF], batch: 1, m: outF, n: inF, k: rows, g, transposeA: true, x,
            transposeB: false, precision: precision) : nil,
      ]
      if needs.count > 2 {
        grads.append(needs[2] ? Tensor.sumToShape(g.reshaped(to: [rows, outF]), [outF]) : nil)
      }
      return grads
    }
    return out
  }

  /// The bf16 path of `linear`: x is rounded to bf16 once (a bf16 x is used as it is) and kept
  /// (half the memory) for ∂W; ∂y (bf16, as y is) is read as it is by ∂x and ∂W; y is written
  /// as bf16, and so is ∂x for a bf16 x.
  /// The same numbers as the fp32 operands at `.bf16` precision, which round inside every
  /// product, with y rounded once.
  private func linearBF16(
    weight: Tensor, _ w: Tensor, bias: Tensor?, rows: Int, inF: Int, outF: Int
  ) -> Tensor {
    let xb = contiguous(dtype: .bf16)
    let b = bias?.contiguous(dtype: .f32)
    // The result is bf16, as under PyTorch's autocast (see `conv2d`).
    var out = Tensor(uninitializedShape: Array(shape.dropLast()) + [outF], dtype: .bf16)
    withExtendedLifetime((xb, w, b)) {
      OneDNN.matmul(
        m: rows, n: outF, k: inF, a: OneDNNOperand(bf16: xb.bf16Pointer),
        b: OneDNNOperand(w.floatPointer), transposeB: true, bias: b?.floatPointer,
        cBF16: out.bf16Pointer)
    }
    let inputs = [self, weight] + (bias.map { [$0] } ?? [])
    let inputDType = dtype
    out.node = GradNode.make(inputs: inputs, op: "linear") { g, needs in
      // g is bf16, as y is (the autodiff hands every gradient over in its tensor's dtype, so
      // this conversion is a no-op); the bias gradient sums its columns in fp32.
      let gb = g.contiguous(dtype: .bf16)
      var db: Tensor? = nil
      if needs.count > 2 && needs[2] {
        let sums = Tensor(uninitializedShape: [outF])
        BF16Kernels.sumColumns(gb.bf16Pointer, rows: rows, cols: outF, into: sums.floatPointer)
        db = sums
      }
      var grads: [Tensor?] = [nil, nil]
      if needs[0] {
        // ∂x has x's dtype: bf16 (rounded once by the product) for a bf16 x.
        let dx = Tensor(uninitializedShape: xb.shape, dtype: inputDType)
        if inputDType == .bf16 {
          OneDNN.matmul(
            m: rows, n: inF, k: outF, a: OneDNNOperand(bf16: gb.bf16Pointer),
            b: OneDNNOperand(w.floatPointer), transposeB: false, bias: nil,
            cBF16: dx.bf16Pointer)
        } else {
          OneDNN.matmul(
            batch: 1, m: rows, n: inF, k: outF, a: OneDNNOperand(bf16: gb.bf16Pointer),
            transposeA: false, b: OneDNNOperand(w.floatPointer), transposeB: false,
            bBatchStride: nil, c: dx.floatPointer, bias: nil, accumulate: false,
            precision: .bf16)
        }
        grads[0] = dx
      }
      if needs[1] {
        let dw = Tensor(uninitializedShape: [outF, inF])
        OneDNN.matmul(
          batch: 1, m: outF, n: inF, k: rows, a: OneDNNOperand(bf16: gb.bf16Pointer),
          transposeA: true, b: OneDNNOperand(bf16: xb.bf16Pointer), transposeB: false,
          bBatchStride: nil, c: dw.floatPointer, bias: nil, accumulate: false, precision: .bf16)
        grads[1] = dw
      }
      if needs.count > 2 { grads.append(db) }
      return grads
    }
    return out
  }
}
