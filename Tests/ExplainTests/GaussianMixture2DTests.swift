import Foundation
import Tensors
import Testing

@testable import Explain

@Suite struct GaussianMixture2DTests {
  static let points: [SIMD2<Double>] = [
    SIMD2(0, 0), SIMD2(0.9, 0.1), SIMD2(-1.3, 0.7), SIMD2(0.2, -1.8), SIMD2(2.4, 2.2),
  ]

  /// The exact score of the noised toy mixture equals a central finite difference of its log
  /// density, ∂/∂x log q ≈ (log q(x + h) − log q(x − h)) / 2h, at low, medium and high noise.
  @Test(arguments: [0.999, 0.9, 0.3, 0.02])
  func scoreMatchesFiniteDifferences(_ alphaBar: Double) {
    let q = ToyFigure.data.noised(alphaBar: alphaBar)
    let h = 1e-5
    for p in Self.points {
      let s = q.score(p)
      let fx = (q.logDensity(p + SIMD2(h, 0)) - q.logDensity(p - SIMD2(h, 0))) / (2 * h)
      let fy = (q.logDensity(p + SIMD2(0, h)) - q.logDensity(p - SIMD2(0, h))) / (2 * h)
      let tol = 1e-5 * max(1, abs(fx), abs(fy))
      #expect(abs(s.x - fx) < tol && abs(s.y - fy) < tol, "at \(p): \(s) vs (\(fx), \(fy))")
    }
  }

  /// Correlated components too: the score is Σ r_k Σ_k⁻¹(μ_k − x), checked the same way.
  @Test func scoreOfCorrelatedMixtureMatchesFiniteDifferences() {
    let q = ConditioningFigure.joint.noised(alphaBar: 0.7)
    let h = 1e-5
    for p in Self.points {
      let s = q.score(p)
      let fx = (q.logDensity(p + SIMD2(h, 0)) - q.logDensity(p - SIMD2(h, 0))) / (2 * h)
      let fy = (q.logDensity(p + SIMD2(0, h)) - q.logDensity(p - SIMD2(0, h))) / (2 * h)
      #expect(abs(s.x - fx) < 1e-5 && abs(s.y - fy) < 1e-5, "at \(p): \(s) vs (\(fx), \(fy))")
    }
  }

  /// Tweedie's posterior mean equals the per-component Gaussian posterior
  /// Σ_k r_k (μ_k + a s²/v_k (x − a μ_k)), v_k = a² s² + 1 − ᾱ, for isotropic components.
  @Test func posteriorMeanMatchesComponentPosteriors() {
    let mixture = ToyFigure.data
    for alphaBar in [0.95, 0.5, 0.05] {
      let a = alphaBar.squareRoot()
      let r0 = mixture.noised(alphaBar: alphaBar)
      for p in Self.points {
        let r = r0.responsibilities(p)
        var expected = SIMD2<Double>(0, 0)
        for (rk, c) in zip(r, mixture.components) {
          let s2 = c.xx
          let v = a * a * s2 + (1 - alphaBar)
          expected += rk * (c.mean + a * s2 / v * (p - a * c.mean))
        }
        let got = mixture.posteriorMean(p, alphaBar: alphaBar)
        #expect(abs(got.x - expected.x) < 1e-9 && abs(got.y - expected.y) < 1e-9)
      }
    }
  }

  /// p(x | y₁) is a density in x: its integral over a wide grid is 1, and it equals the joint's
  /// slice divided by the marginal p(y₁) computed independently by integrating over x.
  @Test(arguments: [-1.0, 0.3, ConditioningFigure.sliceY, 2.0])
  func conditionalSliceIntegratesToOne(_ y: Double) {
    let joint = ConditioningFigure.joint
    let xs = (0...4000).map { -10 + 20 * Double($0) / 4000 }
    let dx = 20.0 / 4000
    func trapezoid(_ f: [Double]) -> Double { (f.reduce(0, +) - 0.5 * (f.first! + f.last!)) * dx }
    let conditional = xs.map { joint.conditionalX($0, givenY: y) }
    #expect(abs(trapezoid(conditional) - 1) < 1e-6)
    let slice = xs.map { joint.density(SIMD2($0, y)) }
    let py = trapezoid(slice)
    #expect(abs(py - joint.marginalY(y)) < 1e-6 * max(py, 1e-3))
    for i in stride(from: 0, to: xs.count, by: 397) {
      #expect(abs(conditional[i] - slice[i] / py) < 1e-6)
    }
  }

  /// Sampling draws from the right component shapes: a single correlated Gaussian's sample mean
  /// and covariance are within a few standard errors of the truth (n = 20,000).
  @Test func samplesHaveTheComponentMoments() {
    let g = GaussianMixture2D([.init(weight: 1, mean: SIMD2(1, -2), xx: 0.5, xy: 0.3, yy: 0.4)])
    var stream = RandomStream(seed: 11, name: "test")
    let xs = g.sample(20_000, stream: &stream)
    let n = Double(xs.count)
    let mean = xs.reduce(SIMD2<Double>(0, 0), +) / n
    let d = xs.map { $0 - mean }
    let cxx = d.map { $0.x * $0.x }.reduce(0, +) / n
    let cxy = d.map { $0.x * $0.y }.reduce(0, +) / n
    let cyy = d.map { $0.y * $0.y }.reduce(0, +) / n
    #expect(abs(mean.x - 1) < 0.025 && abs(mean.y + 2) < 0.025, "mean \(mean)")
    #expect(abs(cxx - 0.5) < 0.03 && abs(cxy - 0.3) < 0.03 && abs(cyy - 0.4) < 0.03)
  }
}
