/// Eigen-decomposition of a small symmetric matrix by the cyclic Jacobi method (Golub & Van
/// Loan, "Matrix Computations", 4th ed., §8.5): rotations zero the off-diagonal entries until
/// they are below 10⁻¹⁴ of the norm. Eigenvalues descending; eigenvectors are the columns
/// of `vectors` (vectors[i][k] is component i of eigenvector k).
enum SymmetricEigen {
  static func decompose(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
    let n = matrix.count
    var a = matrix
    var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    var norm = 0.0
    for row in a { for x in row { norm += x * x } }
    for _ in 0..<100 {
      var off = 0.0
      for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
      if off <= 1e-28 * max(norm, 1e-300) { break }
      for p in 0..<n {
        for q in (p + 1)..<max(n, p + 1) where a[p][q] != 0 {
          // Rotation angle: tan 2φ = 2 a_pq / (a_qq − a_pp), t = tan φ (the smaller root).
          let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          for k in 0..<n {
            let akp = a[k][p]
            let akq = a[k][q]
            a[k][p] = c * akp - s * akq
            a[k][q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p][k]
            let aqk = a[q][k]
            a[p][k] = c * apk - s * aqk
            a[q][k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k][p]
            let vkq = v[k][q]
            v[k][p] = c * vkp - s * vkq
            v[k][q] = s * vkp + c * vkq
          }
        }
      }
    }
    let order = (0..<n).sorted { a[$0][$0] > a[$1][$1] }
    let values = order.map { a[$0][$0] }
    let vectors = (0..<n).map { i in order.map { v[i][$0] } }
    return (values, vectors)
  }
}
