import Foundation
import Tensors
import Testing

@testable import Evaluation

@Test func jacobiFindsTheEigenvaluesOfAKnownMatrix() {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3; [[4, 1, 0], [1, 3, 1], [0, 1, 2]] has 3 and 3 ± √3.
  let (v2, _) = SymmetricEigen.decompose([2, 1, 1, 2], n: 2)
  #expect(zip(v2.sorted(), [1.0, 3.0]).allSatisfy { abs($0 - $1) < 1e-12 })
  let (v3, vectors) = SymmetricEigen.decompose([4, 1, 0, 1, 3, 1, 0, 1, 2], n: 3)
  let expected = [3 - 3.0.squareRoot(), 3, 3 + 3.0.squareRoot()]
  #expect(zip(v3.sorted(), expected).allSatisfy { abs($0 - $1) < 1e-12 })
  // A v = λ v for the first column.
  let a: [Double] = [4, 1, 0, 1, 3, 1, 0, 1, 2]
  for k in 0..<3 {
    for i in 0..<3 {
      let av = (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * vectors[$1 * 3 + k] }
      #expect(abs(av - v3[k] * vectors[i * 3 + k]) < 1e-10)
    }
  }
}

@Test func frechetDistanceOfASetWithItselfIsZero() {
  let a = EvaluationFixtures.gaussian(count: 300, dim: 12, seed: 1)
  #expect(FrechetDistance.between(a, a) < 1e-8)
}

@Test func frechetDistanceOfShiftedIdenticalCovariancesIsTheSquaredShift() {
  let a = EvaluationFixtures.gaussian(count: 300, dim: 8, seed: 2)
  let b = FeatureSet(count: a.count, dim: a.dim, rows: a.rows.map { $0 + 0.5 })
  // Same covariance, means 0.5 apart in each of 8 dimensions: ‖Δμ‖² = 8 · 0.25.
  #expect(abs(FrechetDistance.between(a, b) - 2) < 1e-8)
}

@Test func frechetDistanceGrowsMonotonicallyWithNoise() {
  let a = EvaluationFixtures.gaussian(count: 400, dim: 16, seed: 3)
  let noise = EvaluationFixtures.gaussian(count: 400, dim: 16, seed: 4)
  var last = -1.0
  for sigma in [0.0, 0.1, 0.3, 0.6, 1.0, 2.0] {
    let b = FeatureSet(
      count: a.count, dim: a.dim, rows: zip(a.rows, noise.rows).map { $0 + sigma * $1 })
    let fd = FrechetDistance.between(a, b)
    #expect(fd > last, "FD \(fd) at σ = \(sigma) after \(last)")
    last = fd
  }
}

private func readout(_ f: FeatureSet) -> GlyphJudge.Readout {
  GlyphJudge.Readout(
    count: f.count, featureDim: f.dim, features: f.rows.map(Float.init), logits: [], strokes: [])
}

@Test func kidIsNearZeroForTheSameDistributionAndGrowsWithAShift() {
  let a = readout(EvaluationFixtures.gaussian(count: 200, dim: 16, seed: 5))
  let b = readout(EvaluationFixtures.gaussian(count: 200, dim: 16, seed: 6))
  let c = readout(EvaluationFixtures.gaussian(count: 200, dim: 16, mean: 0.5, seed: 7))
  let same = KernelDistance.kid(a, b, subsets: 20, subsetSize: 100)
  let shifted = KernelDistance.kid(a, c, subsets: 20, subsetSize: 100)
  #expect(abs(same.mean) < 3 * same.std + 1e-3)
  #expect(shifted.mean > 10 * max(abs(same.mean), same.std))
  // Fixed seed, fixed numbers.
  #expect(KernelDistance.kid(a, c, subsets: 20, subsetSize: 100) == shifted)
}

@Test func precisionAndRecallSeparateRealismFromCoverage() {
  let real = readout(EvaluationFixtures.gaussian(count: 150, dim: 4, seed: 8))
  let same = ManifoldPrecisionRecall.compute(real: real, generated: real)
  #expect(same.precision == 1 && same.recall == 1)
  let far = readout(EvaluationFixtures.gaussian(count: 150, dim: 4, mean: 20, seed: 9))
  let apart = ManifoldPrecisionRecall.compute(real: real, generated: far)
  #expect(apart.precision == 0 && apart.recall == 0)
  // Generated points all at one real point: realistic (precision 1) but no diversity.
  let collapsed = GlyphJudge.Readout(
    count: 150, featureDim: 4,
    features: (0..<150).flatMap { _ in Array(real.features[0..<4]) }, logits: [], strokes: [])
  let mode = ManifoldPrecisionRecall.compute(real: real, generated: collapsed)
  #expect(mode.precision == 1 && mode.recall < 0.1)
}

@Test func crossEntropyMatchesItsDefinitionAndGradient() {
  let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 5]).requiringGrad()
  let loss = logits.crossEntropy(classes: [2, 0])
  func ce(_ row: [Double], _ c: Int) -> Double {
    let m = row.max()!
    return -(row[c] - m - log(row.reduce(0) { $0 + exp($1 - m) }))
  }
  let expected = (ce([1, 2, 3], 2) + ce([0, 0, 5], 0)) / 2
  #expect(abs(Double(loss.item) - expected) < 1e-5)
  loss.backward()
  // ∂/∂z = (softmax − onehot) / B.
  let g = logits.grad!.scalars
  let e0 = [1.0, 2, 3].map { exp($0 - 3) }
  let s0 = e0.reduce(0, +)
  #expect(abs(Double(g[2]) - (e0[2] / s0 - 1) / 2) < 1e-5)
  #expect(abs(Double(g[0]) - e0[0] / s0 / 2) < 1e-5)
}
