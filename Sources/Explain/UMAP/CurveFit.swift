import Foundation

/// The low-dimensional similarity curve 1 / (1 + a·d^(2b)) fitted to UMAP's target
/// ψ(d) = 1 for d < minDist, exp(−(d − minDist)/spread) beyond (umap-learn `find_ab_params`:
/// scipy `curve_fit` on 300 points of [0, 3·spread], starting from a = b = 1).
///
/// Least squares by Levenberg–Marquardt (Moré 1978, as MINPACK's lmdif that `curve_fit` calls):
/// with residuals r_i = f(d_i; a, b) − ψ(d_i) and Jacobian J, solve
/// (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr, accept δ if the squared error falls (λ /= 10), else λ *= 10.
/// For min_dist 0.1, spread 1 this gives a ≈ 1.577, b ≈ 0.895, umap-learn's values.
public enum UMAPCurve {
  public static func fitAB(minDist: Double, spread: Double) -> (a: Double, b: Double) {
    precondition(spread > 0 && minDist >= 0, "fitAB: spread \(spread), minDist \(minDist)")
    let n = 300
    let xs = (0..<n).map { Double($0) * 3 * spread / Double(n - 1) }
    let ys = xs.map { $0 < minDist ? 1 : exp(-($0 - minDist) / spread) }

    func error(_ a: Double, _ b: Double) -> Double {
      var s = 0.0
      for (x, y) in zip(xs, ys) {
        let r = curve(x, a, b) - y
        s += r * r
      }
      return s
    }
    var a = 1.0
    var b = 1.0
    var lambda = 1e-3
    var current = error(a, b)
    for _ in 0..<200 {
      // JᵀJ (2×2) and Jᵀr. f = 1/(1+a·x^(2b)); ∂f/∂a = −x^(2b) f²; ∂f/∂b = −2a·x^(2b)·ln x · f².
      var jaa = 0.0
      var jab = 0.0
      var jbb = 0.0
      var ga = 0.0
      var gb = 0.0
      for (x, y) in zip(xs, ys) {
        let p = x > 0 ? pow(x, 2 * b) : 0
        let f = 1 / (1 + a * p)
        let da = -p * f * f
        let db = x > 0 ? -2 * a * p * log(x) * f * f : 0
        let r = f - y
        jaa += da * da
        jab += da * db
        jbb += db * db
        ga += da * r
        gb += db * r
      }
      var improved = false
      while lambda < 1e12 {
        let m00 = jaa * (1 + lambda)
        let m11 = jbb * (1 + lambda)
        let det = m00 * m11 - jab * jab
        guard det != 0 else { break }
        let stepA = -(m11 * ga - jab * gb) / det
        let stepB = -(m00 * gb - jab * ga) / det
        let trial = error(a + stepA, b + stepB)
        if trial < current {
          let gain = current - trial
          a += stepA
          b += stepB
          current = trial
          lambda = max(lambda / 10, 1e-12)
          improved = gain > 1e-15 * max(current, 1e-30)
          break
        }
        lambda *= 10
      }
      if !improved { break }
    }
    return (a, b)
  }

  /// 1 / (1 + a·x^(2b)).
  public static func curve(_ x: Double, _ a: Double, _ b: Double) -> Double {
    1 / (1 + a * (x > 0 ? pow(x, 2 * b) : 0))
  }
}
