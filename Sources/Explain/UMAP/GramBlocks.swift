import Tensors

/// The Gram matrix Q·Xᵀ of two feature matrices, one block of query rows at a time, so that only
/// `blockRows` × N floats are held: what the exact neighbour search and trustworthiness both need
/// for ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x. One oneDNN fp32 product per block (it splits the output,
/// not the sum, for these shapes: the same values on any thread count).
enum GramBlocks {
  /// For each block of query rows `base ..< base + rows`, computes
  /// G = Q[base ..< base + rows] · X[first ..< X.rows]ᵀ (rows × width, row-major, width =
  /// X.rows − first) and calls `body(base, rows, G, width)`. `first` is 0, or `base` when
  /// `upperTriangle` is set (Q and X the same matrix: the pairs j < base were seen already).
  /// G is valid only during the call.
  static func forEach(
    queries: FeatureMatrix, data: FeatureMatrix, blockRows: Int, upperTriangle: Bool = false,
    _ body: (_ base: Int, _ rows: Int, _ gram: SendablePointer<Float>, _ width: Int) -> Void
  ) {
    precondition(queries.columns == data.columns, "GramBlocks: feature counts differ")
    let (m, n, d) = (queries.rows, data.rows, data.columns)
    let block = min(blockRows, m)
    var gram = [Float](repeating: 0, count: block * n)
    queries.values.withUnsafeBufferPointer { q in
      data.values.withUnsafeBufferPointer { x in
        gram.withUnsafeMutableBufferPointer { g in
          var base = 0
          while base < m {
            let rows = min(block, m - base)
            let first = upperTriangle ? base : 0
            OneDNN.matmul(
              batch: 1, m: rows, n: n - first, k: d, a: q.baseAddress! + base * d,
              transposeA: false, b: x.baseAddress! + first * d, transposeB: true,
              bBatchStride: nil, c: g.baseAddress!, bias: nil, accumulate: false, precision: .f32)
            body(base, rows, SendablePointer(g.baseAddress!), n - first)
            base += rows
          }
        }
      }
    }
  }
}
