import Foundation
import Tensors

/// A mixture of 2-D Gaussians p(x) = Σ_k w_k N(x; μ_k, Σ_k): the article's toy data and its
/// conditioning example, with everything diffusion needs in closed form.
///
/// Forward process. Under the variance-preserving forward process x_t = √ᾱ·x_0 + √(1−ᾱ)·ε the
/// marginal q_t is again a Gaussian mixture, with means √ᾱ·μ_k and covariances ᾱΣ_k + (1−ᾱ)I
/// (the sum of independent Gaussians √ᾱ·x_0 and √(1−ᾱ)·ε, per component): `noised(alphaBar:)`.
/// So the score ∇log q_t and the denoiser E[x_0 | x_t] are exact, not learned:
///
///     ∇log q(x) = Σ_k r_k(x) · C_k⁻¹ (m_k − x),  r_k(x) = w_k N(x; m_k, C_k) / q(x)
///     E[x_0 | x_t = x] = (x + (1−ᾱ)·∇log q_t(x)) / √ᾱ      (Tweedie's formula)
///
/// Conditioning. p(x | y) of a mixture is the mixture of the components' conditionals
/// N(μ_x + Σ_xy/Σ_yy·(y − μ_y), Σ_xx − Σ_xy²/Σ_yy), reweighted by r_k(y) ∝ w_k N(y; μ_y, Σ_yy)
/// (Bishop, PRML §2.3.1 and §9.2).
public struct GaussianMixture2D: Sendable, Equatable {
  public struct Component: Sendable, Equatable {
    public var weight: Double
    public var mean: SIMD2<Double>
    /// Covariance [[xx, xy], [xy, yy]] (symmetric positive definite).
    public var xx: Double
    public var xy: Double
    public var yy: Double

    public init(weight: Double, mean: SIMD2<Double>, xx: Double, xy: Double = 0, yy: Double) {
      precondition(
        xx > 0 && yy > 0 && xx * yy - xy * xy > 0, "covariance must be positive definite")
      self.weight = weight
      self.mean = mean
      self.xx = xx
      self.xy = xy
      self.yy = yy
    }

    /// An isotropic component N(mean, s²I).
    public init(weight: Double, mean: SIMD2<Double>, std s: Double) {
      self.init(weight: weight, mean: mean, xx: s * s, yy: s * s)
    }

    var determinant: Double { xx * yy - xy * xy }

    /// log N(p; mean, Σ) = −log(2π) − ½ log|Σ| − ½ dᵀΣ⁻¹d.
    func logDensity(_ p: SIMD2<Double>) -> Double {
      let d = p - mean
      let det = determinant
      let quad = (yy * d.x * d.x - 2 * xy * d.x * d.y + xx * d.y * d.y) / det
      return -log(2 * Double.pi) - 0.5 * log(det) - 0.5 * quad
    }

    /// Σ⁻¹(mean − p): the score of this component alone.
    func score(_ p: SIMD2<Double>) -> SIMD2<Double> {
      let d = mean - p
      let det = determinant
      return SIMD2((yy * d.x - xy * d.y) / det, (xx * d.y - xy * d.x) / det)
    }
  }

  public var components: [Component]

  /// Components with weights normalised to sum to 1.
  public init(_ components: [Component]) {
    precondition(!components.isEmpty, "a mixture needs at least one component")
    let total = components.map(\.weight).reduce(0, +)
    precondition(total > 0, "mixture weights must sum to a positive number")
    self.components = components.map {
      var c = $0
      c.weight /= total
      return c
    }
  }

  /// The marginal q_t of the forward process at ᾱ: means √ᾱ·μ, covariances ᾱΣ + (1 − ᾱ)I.
  public func noised(alphaBar a: Double) -> GaussianMixture2D {
    precondition(a > 0 && a <= 1, "ᾱ = \(a) must lie in (0, 1]")
    let s = a.squareRoot()
    return GaussianMixture2D(
      components.map {
        Component(
          weight: $0.weight, mean: s * $0.mean, xx: a * $0.xx + (1 - a), xy: a * $0.xy,
          yy: a * $0.yy + (1 - a))
      })
  }

  /// log p(x), with the log-sum-exp trick so far-away points do not underflow.
  public func logDensity(_ p: SIMD2<Double>) -> Double {
    let terms = components.map { log($0.weight) + $0.logDensity(p) }
    let m = terms.max()!
    return m + log(terms.map { exp($0 - m) }.reduce(0, +))
  }

  public func density(_ p: SIMD2<Double>) -> Double { exp(logDensity(p)) }

  /// r_k(x) = w_k N(x; μ_k, Σ_k) / p(x).
  public func responsibilities(_ p: SIMD2<Double>) -> [Double] {
    let terms = components.map { log($0.weight) + $0.logDensity(p) }
    let m = terms.max()!
    let e = terms.map { exp($0 - m) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
  }

  /// ∇ log p(x) = Σ_k r_k(x) Σ_k⁻¹(μ_k − x).
  public func score(_ p: SIMD2<Double>) -> SIMD2<Double> {
    zip(responsibilities(p), components).reduce(SIMD2<Double>(0, 0)) { $0 + $1.0 * $1.1.score(p) }
  }

  /// E[x_0 | x_t = x] for data drawn from this mixture and noised to ᾱ (Tweedie's formula on the
  /// exact score of the noised mixture).
  public func posteriorMean(_ x: SIMD2<Double>, alphaBar a: Double) -> SIMD2<Double> {
    (x + (1 - a) * noised(alphaBar: a).score(x)) / a.squareRoot()
  }

  /// `count` independent draws: a component by its weight, then mean + L·z with L the Cholesky
  /// factor of Σ (L = [[√xx, 0], [xy/√xx, √(yy − xy²/xx)]]).
  public func sample(_ count: Int, stream: inout RandomStream) -> [SIMD2<Double>] {
    let cumulative = components.map(\.weight).reduce(into: [Double]()) {
      $0.append(($0.last ?? 0) + $1)
    }
    return (0..<count).map { _ in
      let u = Double(stream.nextUniform())
      let k = cumulative.firstIndex { u < $0 } ?? components.count - 1
      let c = components[k]
      let z = stream.normals(2).map(Double.init)
      let l11 = c.xx.squareRoot()
      let l21 = c.xy / l11
      let l22 = (c.yy - l21 * l21).squareRoot()
      return c.mean + SIMD2(l11 * z[0], l21 * z[0] + l22 * z[1])
    }
  }

  // MARK: - Marginals and conditionals

  private static func normal(_ v: Double, mean: Double, variance: Double) -> Double {
    let d = v - mean
    return exp(-0.5 * d * d / variance) / (2 * Double.pi * variance).squareRoot()
  }

  /// p(x) = ∫ p(x, y) dy = Σ w_k N(x; μ_x, Σ_xx).
  public func marginalX(_ x: Double) -> Double {
    components.reduce(0) { $0 + $1.weight * Self.normal(x, mean: $1.mean.x, variance: $1.xx) }
  }

  /// p(y) = Σ w_k N(y; μ_y, Σ_yy).
  public func marginalY(_ y: Double) -> Double {
    components.reduce(0) { $0 + $1.weight * Self.normal(y, mean: $1.mean.y, variance: $1.yy) }
  }

  /// p(x | y): the components' conditionals reweighted by how well each explains y.
  public func conditionalX(_ x: Double, givenY y: Double) -> Double {
    let r = components.map { $0.weight * Self.normal(y, mean: $0.mean.y, variance: $0.yy) }
    let total = r.reduce(0, +)
    return zip(r, components).reduce(0) { acc, rc in
      let c = rc.1
      let mean = c.mean.x + c.xy / c.yy * (y - c.mean.y)
      return acc + rc.0 / total * Self.normal(x, mean: mean, variance: c.xx - c.xy * c.xy / c.yy)
    }
  }
}
