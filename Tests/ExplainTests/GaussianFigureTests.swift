import Foundation
import Testing

@testable import Explain

@Suite struct GaussianFigureTests {
  /// The MLE divides by n: for 1, 2, 3, 4 the mean is 2.5 and σ̂² = (2.25 + 0.25 + 0.25 + 2.25)/4
  /// = 1.25 (the unbiased estimate, dividing by 3, would give 1.667).
  @Test func maximumLikelihoodOfAKnownSample() {
    let fit = GaussianFigure.maximumLikelihood([1, 2, 3, 4])
    #expect(fit.mean == 2.5)
    #expect(abs(fit.std - 1.25.squareRoot()) < 1e-12)
  }

  /// n = 1000 draws from N(0, 1): the standard error of μ̂ is 1/√n ≈ 0.032 and of σ̂ about
  /// 1/√(2n) ≈ 0.022; allow four of each, for several seeds.
  @Test(arguments: [0, 1, 2, 7] as [UInt64])
  func fitOfSeededSamplesIsNearStandardNormal(_ seed: UInt64) {
    let xs = GaussianFigure.samples(count: 1000, seed: seed)
    let fit = GaussianFigure.maximumLikelihood(xs)
    #expect(abs(fit.mean) < 4 / 1000.0.squareRoot(), "μ̂ = \(fit.mean)")
    #expect(abs(fit.std - 1) < 4 / 2000.0.squareRoot(), "σ̂ = \(fit.std)")
  }

  @Test func samplesAreDeterministicPerSeed() {
    #expect(
      GaussianFigure.samples(count: 50, seed: 3) == GaussianFigure.samples(count: 50, seed: 3))
    #expect(
      GaussianFigure.samples(count: 50, seed: 3) != GaussianFigure.samples(count: 50, seed: 4))
  }
}
