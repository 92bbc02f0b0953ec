import Foundation
import Tensors

/// Per-point distance calibration of UMAP (McInnes, Healy & Melville 2018, §3.1; umap-learn
/// `smooth_knn_dist` and `compute_membership_strengths`, ported line by line).
///
/// For point i with neighbour distances d_i1 ≤ … ≤ d_ik: ρ_i is the distance to the nearest
/// neighbour at a non-zero distance (with `localConnectivity` = 1), and σ_i solves
///
///     Σ_{j ≥ 1} exp(−max(0, d_ij − ρ_i) / σ_i) = log₂ k
///
/// by bisection (64 steps or |sum − target| < 10⁻⁵; the first neighbour, j = 0, is skipped, as
/// umap-learn does, because in a fit it is the point itself). σ_i is then floored at 10⁻³ × the
/// mean neighbour distance (of the point, or of all points when ρ_i = 0). The directed
/// membership strength of edge i → j is exp(−(d_ij − ρ_i)/σ_i), 1 when d_ij ≤ ρ_i, 0 for i → i.
enum SmoothKNN {
  static let iterations = 64
  static let tolerance = 1e-5
  static let minDistanceScale = 1e-3

  /// σ and ρ for every row of `graph`. `localConnectivity` is 1 in a fit and 0 in `transform`
  /// (umap-learn subtracts 1 there); it must be a whole number here.
  static func calibrate(_ graph: NeighborGraph, localConnectivity: Int, bandwidth: Double = 1)
    -> (sigmas: [Double], rhos: [Double])
  {
    let k = graph.k
    let target = log2(Double(k)) * bandwidth
    var total = 0.0
    for v in graph.distances { total += Double(v) }
    let meanAll = total / Double(max(graph.distances.count, 1))
    let rows = Parallel.map(graph.count, chunk: 512) { i in
      graph.distances[(i * k)..<(i * k + k)].withUnsafeBufferPointer { row in
        calibrateRow(row, target: target, localConnectivity: localConnectivity, meanAll: meanAll)
      }
    }
    return (rows.map(\.sigma), rows.map(\.rho))
  }

  static func calibrateRow(
    _ d: UnsafeBufferPointer<Float>, target: Double, localConnectivity: Int, meanAll: Double
  ) -> (sigma: Double, rho: Double) {
    var rho = 0.0
    let nonZero = d.filter { $0 > 0 }
    if nonZero.count >= localConnectivity {
      if localConnectivity > 0 { rho = Double(nonZero[localConnectivity - 1]) }
    } else if let last = nonZero.max() {
      rho = Double(last)
    }
    var lo = 0.0
    var hi = Double.infinity
    var mid = 1.0
    for _ in 0..<iterations {
      var psum = 0.0
      for j in 1..<d.count {
        let x = Double(d[j]) - rho
        psum += x > 0 ? exp(-(x / mid)) : 1
      }
      if abs(psum - target) < tolerance { break }
      if psum > target {
        hi = mid
        mid = (lo + hi) / 2
      } else {
        lo = mid
        mid = hi == .infinity ? mid * 2 : (lo + hi) / 2
      }
    }
    if rho > 0 {
      var mean = 0.0
      for v in d { mean += Double(v) }
      mean /= Double(d.count)
      mid = max(mid, minDistanceScale * mean)
    } else {
      mid = max(mid, minDistanceScale * meanAll)
    }
    return (mid, rho)
  }

  /// Directed membership strengths, count × k in the order of `graph.indices`. With
  /// `skipSelf` (a fit), edges i → i get 0.
  static func memberships(
    _ graph: NeighborGraph, sigmas: [Double], rhos: [Double], skipSelf: Bool
  ) -> [Float] {
    var w = [Float](repeating: 0, count: graph.count * graph.k)
    for i in 0..<graph.count {
      for p in 0..<graph.k {
        let e = i * graph.k + p
        let j = Int(graph.indices[e])
        if skipSelf && j == i {
          w[e] = 0
        } else if Double(graph.distances[e]) - rhos[i] <= 0 || sigmas[i] == 0 {
          w[e] = 1
        } else {
          w[e] = Float(exp(-(Double(graph.distances[e]) - rhos[i]) / sigmas[i]))
        }
      }
    }
    return w
  }
}
