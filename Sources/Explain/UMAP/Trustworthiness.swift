import Tensors

/// Trustworthiness of an embedding (Venna & Kaski 2001), scikit-learn's definition
/// (`sklearn.manifold.trustworthiness`):
///
///     T(k) = 1 − 2 / (n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^low(i)} max(0, r(i, j) − k)
///
/// where N_k^low(i) are the k nearest neighbours of i in the embedding and r(i, j) is the rank of
/// j among i's neighbours in the original space (1 = nearest). 1 means no point in a low-
/// dimensional neighbourhood is far in the original space. Euclidean in both spaces; ties in
/// the original space are ranked by index (sklearn's argsort order is unspecified for ties).
/// Cost: O(n²·(d + k)) time in blocks of 256 rows, O(256·n) memory.
public func trustworthiness(high: FeatureMatrix, low: FeatureMatrix, k: Int) -> Double {
  let n = high.rows
  precondition(low.rows == n, "trustworthiness: \(n) original points, \(low.rows) embedded")
  precondition(k < n / 2, "trustworthiness: k = \(k) must be < n/2 = \(n / 2)")
  // Embedding neighbours, the point itself excluded.
  let lowGraph = NearestNeighbors.exact(within: low, k: k + 1)
  let norms = high.squaredNorms()
  var partials = [Int](repeating: 0, count: n)
  partials.withUnsafeMutableBufferPointer { out in
    let op = SendablePointer(out.baseAddress!)
    GramBlocks.forEach(queries: high, data: high, blockRows: NearestNeighbors.blockRows) {
      base, rows, g, _ in
      Parallel.forChunks(rows, chunk: 8) { _, range in
        var dist = [Float](repeating: 0, count: n)
        for r in range {
          let i = base + r
          let row = g.pointer + r * n
          for l in 0..<n { dist[l] = max(0, norms[i] + norms[l] - 2 * row[l]) }
          dist[i] = .infinity
          var penalty = 0
          for p in 1...k {
            let j = Int(lowGraph.indices[i * (k + 1) + p])
            let dj = dist[j]
            var rank = 1
            for l in 0..<n where dist[l] < dj || (dist[l] == dj && l < j) { rank += 1 }
            penalty += max(0, rank - k)
          }
          op.pointer[i] = penalty
        }
      }
    }
  }
  let total = Double(partials.reduce(0, +))
  let nd = Double(n)
  let kd = Double(k)
  return 1 - total * (2 / (nd * kd * (2 * nd - 3 * kd - 1)))
}
