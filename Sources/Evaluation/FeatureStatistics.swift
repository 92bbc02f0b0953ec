import Foundation

/// A set of feature vectors, `count` rows of `dim`, in Double for the statistics.
public struct FeatureSet: Sendable {
  public let count: Int
  public let dim: Int
  public let rows: [Double]

  public init(count: Int, dim: Int, rows: [Double]) {
    precondition(rows.count == count * dim, "FeatureSet: \(rows.count) values for \(count)×\(dim)")
    self.count = count
    self.dim = dim
    self.rows = rows
  }

  public init(_ readout: GlyphJudge.Readout) {
    self.init(
      count: readout.count, dim: readout.featureDim, rows: readout.features.map(Double.init))
  }

  public func row(_ i: Int) -> ArraySlice<Double> { rows[(i * dim)..<((i + 1) * dim)] }

  /// The rows at `indices`.
  public func subset(_ indices: [Int]) -> FeatureSet {
    var out: [Double] = []
    out.reserveCapacity(indices.count * dim)
    for i in indices { out += row(i) }
    return FeatureSet(count: indices.count, dim: dim, rows: out)
  }

  public var mean: [Double] {
    var m = [Double](repeating: 0, count: dim)
    for i in 0..<count {
      for j in 0..<dim { m[j] += rows[i * dim + j] }
    }
    return m.map { $0 / Double(max(count, 1)) }
  }

  /// Unbiased covariance (divides by n − 1, as numpy's `cov` in pytorch-fid), `dim × dim`.
  public var covariance: [Double] {
    let m = mean
    var c = [Double](repeating: 0, count: dim * dim)
    var centred = [Double](repeating: 0, count: dim)
    for i in 0..<count {
      for j in 0..<dim { centred[j] = rows[i * dim + j] - m[j] }
      for a in 0..<dim {
        let ca = centred[a]
        if ca == 0 { continue }
        for b in a..<dim { c[a * dim + b] += ca * centred[b] }
      }
    }
    let scale = 1 / Double(max(count - 1, 1))
    for a in 0..<dim {
      for b in a..<dim {
        c[a * dim + b] *= scale
        c[b * dim + a] = c[a * dim + b]
      }
    }
    return c
  }
}

/// Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, "GANs
/// trained by a two time-scale update rule…", eq. 6; Dowson & Landau 1982):
/// ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½.
/// The trace term is computed from symmetric eigen-decompositions (Jacobi), so it stays real
/// and exact for the positive semi-definite matrices that covariances are — pytorch-fid's
/// `scipy.linalg.sqrtm` of the non-symmetric Σ₁Σ₂ has the same trace.
public enum FrechetDistance {
  public static func between(_ a: FeatureSet, _ b: FeatureSet) -> Double {
    precondition(a.dim == b.dim, "FrechetDistance: dims \(a.dim) and \(b.dim)")
    let d = a.dim
    let ma = a.mean
    let mb = b.mean
    let ca = a.covariance
    let cb = b.covariance
    var meanTerm = 0.0
    for j in 0..<d { meanTerm += (ma[j] - mb[j]) * (ma[j] - mb[j]) }
    var trace = 0.0
    for j in 0..<d { trace += ca[j * d + j] + cb[j * d + j] }
    // Σ₁^½ = V diag(√λ) Vᵀ.
    let (values, vectors) = SymmetricEigen.decompose(ca, n: d)
    var root = [Double](repeating: 0, count: d * d)
    for k in 0..<d {
      let s = max(values[k], 0).squareRoot()
      if s == 0 { continue }
      for i in 0..<d {
        let vik = vectors[i * d + k] * s
        for j in 0..<d { root[i * d + j] += vik * vectors[j * d + k] }
      }
    }
    let m = multiply(multiply(root, cb, d), root, d)
    let (mValues, _) = SymmetricEigen.decompose(symmetrised(m, d), n: d, vectors: false)
    let crossTrace = mValues.reduce(0) { $0 + max($1, 0).squareRoot() }
    return max(0, meanTerm + trace - 2 * crossTrace)
  }

  static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for k in 0..<n {
        let aik = a[i * n + k]
        if aik == 0 { continue }
        for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
      }
    }
    return c
  }

  static func symmetrised(_ a: [Double], _ n: Int) -> [Double] {
    var s = a
    for i in 0..<n {
      for j in (i + 1)..<n {
        let v = (a[i * n + j] + a[j * n + i]) / 2
        s[i * n + j] = v
        s[j * n + i] = v
      }
    }
    return s
  }
}

/// Eigenvalues (and vectors) of a real symmetric matrix by the cyclic Jacobi method (Golub & Van
/// Loan, "Matrix Computations", 4th ed., Algorithm 8.5.3): rotations annihilate each
/// off-diagonal entry in turn until the off-diagonal norm is negligible. O(n³) per sweep, about
/// ten sweeps; 256 × 256 takes well under a second. The result depends only on the input.
public enum SymmetricEigen {
  /// `a` is n × n row-major; returns eigenvalues and, when asked, the eigenvectors as the
  /// columns of an n × n row-major matrix.
  public static func decompose(_ a: [Double], n: Int, vectors wantVectors: Bool = true)
    -> (values: [Double], vectors: [Double])
  {
    var m = a
    var v = [Double](repeating: 0, count: wantVectors ? n * n : 0)
    if wantVectors { for i in 0..<n { v[i * n + i] = 1 } }
    var scale = 0.0
    for x in m { scale += x * x }
    let tolerance = 1e-22 * max(scale, 1e-300)
    for _ in 0..<60 {
      var off = 0.0
      for i in 0..<n {
        for j in (i + 1)..<n { off += m[i * n + j] * m[i * n + j] }
      }
      if off <= tolerance { break }
      for p in 0..<n {
        for q in (p + 1)..<n {
          let apq = m[p * n + q]
          if apq == 0 { continue }
          let app = m[p * n + p]
          let aqq = m[q * n + q]
          // Symmetric Schur decomposition (Golub & Van Loan Algorithm 8.5.1).
          let tau = (aqq - app) / (2 * apq)
          let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
          let c = 1 / (1 + t * t).squareRoot()
          let s = t * c
          for k in 0..<n {
            let mkp = m[k * n + p]
            let mkq = m[k * n + q]
            m[k * n + p] = c * mkp - s * mkq
            m[k * n + q] = s * mkp + c * mkq
          }
          for k in 0..<n {
            let mpk = m[p * n + k]
            let mqk = m[q * n + k]
            m[p * n + k] = c * mpk - s * mqk
            m[q * n + k] = s * mpk + c * mqk
          }
          if wantVectors {
            for k in 0..<n {
              let vkp = v[k * n + p]
              let vkq = v[k * n + q]
              v[k * n + p] = c * vkp - s * vkq
              v[k * n + q] = s * vkp + c * vkq
            }
          }
        }
      }
    }
    return ((0..<n).map { m[$0 * n + $0] }, v)
  }
}
