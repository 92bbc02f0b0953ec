import Tensors
import Testing

@testable import Diffusion

/// A batched toy model: conditional rows return 2·x + 1, unconditional rows return x.
private func toyModel(calls: Counter) -> ClassifierFreeGuidance.BatchedModel {
  return { x, _, batch in
    calls.batches.append(x.shape[0])
    let half = batch == .conditional ? x.shape[0] : x.shape[0] / 2
    let per = x.scalars.count / x.shape[0]
    let out = x.scalars.enumerated().map { i, v in i / per < half ? 2 * v + 1 : v }
    return Tensor(shape: x.shape, scalars: out)
  }
}

private final class Counter { var batches: [Int] = [] }

@Test func guidanceCombinesConditionalAndUnconditionalInOneCall() throws {
  let x = Tensor(shape: [2, 1, 1, 3], scalars: [1, 2, 3, -1, 0, 4])
  let calls = Counter()
  let g = try ClassifierFreeGuidance(scale: 7.5)
  let out = try g.guided(toyModel(calls: calls))(x, 500)
  #expect(calls.batches == [4])  // one call, doubled batch
  // u + s(c − u) = x + 7.5·(x + 1)
  let expected = x.scalars.map { $0 + 7.5 * ($0 + 1) }
  #expect(maxRelativeError(out.scalars, expected) < 1e-6)
  #expect(out.shape == x.shape)
}

@Test func guidanceScaleOneIsOffAndCallsOnce() throws {
  let x = Tensor(shape: [2, 1, 1, 3], scalars: [1, 2, 3, -1, 0, 4])
  let calls = Counter()
  let out = try ClassifierFreeGuidance(scale: 1).guided(toyModel(calls: calls))(x, 10)
  #expect(calls.batches == [2])
  #expect(out.scalars == x.scalars.map { 2 * $0 + 1 })
}

@Test func guidanceRescaleRestoresConditionalStd() throws {
  // Lin et al. 2023 eq. 15: with φ = 1 the result has std(c) per sample.
  let c = Tensor(shape: [2, 1, 1, 4], scalars: [1, 2, 3, 4, -1, 0, 5, 2])
  let u = Tensor(shape: [2, 1, 1, 4], scalars: [0, 1, 1, 0, 2, 2, 1, -3])
  let full = try ClassifierFreeGuidance(scale: 5, rescale: 1).combine(
    conditional: c, unconditional: u)
  let plain = try ClassifierFreeGuidance(scale: 5).combine(conditional: c, unconditional: u)
  for b in 0..<2 {
    let r = (4 * b)..<(4 * b + 4)
    let sc = ClassifierFreeGuidance.std(c.scalars[r])
    #expect(abs(ClassifierFreeGuidance.std(full.scalars[r]) - sc) < 1e-5 * sc)
  }
  let half = try ClassifierFreeGuidance(scale: 5, rescale: 0.5).combine(
    conditional: c, unconditional: u)
  let mid = zip(full.scalars, plain.scalars).map { 0.5 * ($0 + $1) }
  #expect(maxRelativeError(half.scalars, mid, floor: 1) < 1e-5)
}

@Test func negativeOrInvalidGuidanceIsRejected() {
  #expect(throws: GuidanceError.invalidScale(-1)) { try ClassifierFreeGuidance(scale: -1) }
  #expect(throws: GuidanceError.invalidScale(.infinity)) {
    try ClassifierFreeGuidance(scale: .infinity)
  }
  #expect(throws: GuidanceError.invalidRescale(1.5)) {
    try ClassifierFreeGuidance(scale: 3, rescale: 1.5)
  }
  #expect("\(GuidanceError.invalidScale(-1))".contains("≥ 0"))
}

@Test func dynamicThresholdingMatchesImagenDefinition() {
  // Per sample: s = quantile(|x|, 0.5) clamped to [1, 3]; x ← clamp(x, −s, s)/s.
  let x = Tensor(shape: [2, 1, 1, 4], scalars: [4, -2, 1, 0.5, 0.1, -0.2, 0.3, 0.2])
  let out = X0Processing.dynamicThreshold(ratio: 0.5, maxValue: 3).apply(x)
  // Sample 0: |x| sorted 0.5 1 2 4 → median 1.5 → s = 1.5. Sample 1: median 0.2 → s = 1.
  let expected: [Float] = [1, -1, 1 / 1.5, 0.5 / 1.5, 0.1, -0.2, 0.3, 0.2]
  #expect(maxRelativeError(out.scalars, expected) < 1e-6)
  #expect(X0Processing.clip(range: 1).apply(x).scalars == [1, -1, 1, 0.5, 0.1, -0.2, 0.3, 0.2])
}
