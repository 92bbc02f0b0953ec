import Tensors

/// Leading eigenvectors of a symmetric positive semi-definite operator by subspace iteration
/// with Rayleigh–Ritz (Saad, "Numerical Methods for Large Eigenvalue Problems", 2011, §5.2):
///
///     Z = A·Q,  H = QᵀZ (p × p),  H = V Θ Vᵀ,  Q ← orth(Z·V)
///
/// with a block of p = count + `extra` vectors (the extra ones speed up convergence of the
/// wanted ones, whose error falls like (θ_{p+1} / θ_i)^iteration). Stops when every wanted Ritz
/// pair has ‖A q − θ q‖ < `tolerance` (eigsh's tol in umap-learn is 10⁻⁴) or after `maxIterations`.
/// Vectors in `deflate` (orthonormal) are projected out each step: known eigenvectors to skip.
/// All sums run in a fixed order, so the result does not depend on the thread count.
enum SubspaceIteration {
  struct Result {
    var vectors: [[Double]]
    var values: [Double]
    var iterations: Int
    var maxResidual: Double
  }

  static func leadingEigenvectors(
    dimension n: Int, count: Int, extra: Int = 6, deflate: [[Double]] = [],
    maxIterations: Int = 1000, tolerance: Double = 1e-4, stream: inout RandomStream,
    apply: (_ x: [Double], _ y: inout [Double]) -> Void
  ) -> Result {
    let p = min(count + extra, n - deflate.count)
    precondition(p >= count && count > 0, "subspace iteration: \(count) vectors of dimension \(n)")
    var q = (0..<p).map { _ in stream.normals(n).map(Double.init) }
    orthonormalise(&q, against: deflate)
    var z = [[Double]](repeating: [Double](repeating: 0, count: n), count: p)
    var values = [Double](repeating: 0, count: p)
    var residual = Double.infinity
    var iteration = 0
    while iteration < maxIterations {
      iteration += 1
      for a in 0..<p { apply(q[a], &z[a]) }
      var h = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
      for a in 0..<p {
        for b in a..<p {
          h[a][b] = dot(q[a], z[b])
          h[b][a] = h[a][b]
        }
      }
      let (theta, v) = SymmetricEigen.decompose(h)  // descending
      values = theta
      // Ritz vectors Q·V and their images Z·V; residuals of the wanted ones.
      let ritz = combine(q, v)
      let images = combine(z, v)
      residual = 0
      for a in 0..<count {
        var r = 0.0
        for i in 0..<n {
          let d = images[a][i] - theta[a] * ritz[a][i]
          r += d * d
        }
        residual = max(residual, r.squareRoot())
      }
      if residual < tolerance {
        q = ritz
        break
      }
      q = images
      orthonormalise(&q, against: deflate)
    }
    return Result(
      vectors: Array(q.prefix(count)), values: Array(values.prefix(count)), iterations: iteration,
      maxResidual: residual)
  }

  static func dot(_ x: [Double], _ y: [Double]) -> Double {
    var s = 0.0
    for i in x.indices { s += x[i] * y[i] }
    return s
  }

  /// out_a = Σ_b vectors_b · v[b][a].
  static func combine(_ vectors: [[Double]], _ v: [[Double]]) -> [[Double]] {
    let p = vectors.count
    let n = vectors[0].count
    return (0..<p).map { a in
      var out = [Double](repeating: 0, count: n)
      for b in 0..<p {
        let c = v[b][a]
        for i in 0..<n { out[i] += c * vectors[b][i] }
      }
      return out
    }
  }

  /// Modified Gram–Schmidt, twice ("twice is enough", Giraud et al. 2005), after projecting out
  /// `fixed`. A vector that vanishes is replaced by a coordinate vector and redone.
  static func orthonormalise(_ q: inout [[Double]], against fixed: [[Double]]) {
    for a in q.indices {
      for _ in 0..<2 {
        for u in fixed { axpy(-dot(u, q[a]), u, &q[a]) }
        for b in 0..<a { axpy(-dot(q[b], q[a]), q[b], &q[a]) }
      }
      var norm = dot(q[a], q[a]).squareRoot()
      if norm < 1e-12 {
        q[a] = [Double](repeating: 0, count: q[a].count)
        q[a][a % q[a].count] = 1
        for u in fixed { axpy(-dot(u, q[a]), u, &q[a]) }
        for b in 0..<a { axpy(-dot(q[b], q[a]), q[b], &q[a]) }
        norm = max(dot(q[a], q[a]).squareRoot(), 1e-300)
      }
      for i in q[a].indices { q[a][i] /= norm }
    }
  }

  static func axpy(_ c: Double, _ x: [Double], _ y: inout [Double]) {
    for i in y.indices { y[i] += c * x[i] }
  }
}
