extension ReferenceKernels {
  /// C[b] = op(A[b]) · op(B[b]) (+ bias[n]) (+ C[b] if `accumulate`), row-major, fp64 sums.
  ///
  /// A is `[batch, m, k]` (`[batch, k, m]` when `transposeA`), B is `[k, n]` per batch
  /// (`[n, k]` when `transposeB`) with batch stride `bBatchStride` (nil: `k·n`, packed;
  /// 0: one B shared by every batch), C is `[batch, m, n]`.
  static func matmul(
    batch: Int, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transposeA: Bool,
    b: UnsafePointer<Float>, transposeB: Bool, bBatchStride: Int?,
    c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, accumulate: Bool
  ) {
    let strideB = bBatchStride ?? k * n
    for bi in 0..<batch {
      let aBase = bi * m * k
      let bBase = bi * strideB
      let cBase = bi * m * n
      for i in 0..<m {
        for j in 0..<n {
          var acc = Double(bias?[j] ?? 0)
          if accumulate { acc += Double(c[cBase + i * n + j]) }
          for p in 0..<k {
            let av = transposeA ? a[aBase + p * m + i] : a[aBase + i * k + p]
            let bv = transposeB ? b[bBase + j * k + p] : b[bBase + p * n + j]
            acc += Double(av) * Double(bv)
          }
          c[cBase + i * n + j] = Float(acc)
        }
      }
    }
  }
}
