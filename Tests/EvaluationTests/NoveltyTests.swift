import Foundation
import Tensors
import Testing

@testable import Evaluation

@Test func anExactCopyIsFlaggedAndAHeldOutGlyphIsNot() {
  var rng = RandomStream(seed: 0, name: "novelty")
  let size = 16
  // Pattern glyphs with a few random grey pixels each, so no two are identical.
  func glyph() -> [UInt8] {
    var g = EvaluationFixtures.glyph(rng.nextInt(below: 4), size: size, stream: &rng)
    for _ in 0..<6 { g[rng.nextInt(below: g.count)] = UInt8(rng.nextInt(below: 256)) }
    return g
  }
  var training: [UInt8] = []
  for _ in 0..<300 { training += glyph() }
  var heldOut: [UInt8] = []
  for _ in 0..<100 { heldOut += glyph() }
  let search = NoveltySearch(training: training, count: 300, pixels: size * size)
  let real = search.nearest(heldOut, count: 100)
  let threshold = NoveltySearch.threshold(heldOut: real)
  #expect(threshold > 0)
  // Training glyph 17, copied exactly: distance 0, its own index, a copy.
  let copy = Array(training[(17 * 256)..<(18 * 256)])
  let match = search.nearest(copy, count: 1)[0]
  #expect(match.distance < 1e-3)
  #expect(training[(match.index * 256)..<((match.index + 1) * 256)].elementsEqual(copy))
  #expect(NoveltySearch.copyFraction([match], threshold: threshold) == 1)
  // The held-out glyph at the median distance is not a copy; about 1 % of held-out ones are.
  let median = real.sorted { $0.distance < $1.distance }[50]
  #expect(NoveltySearch.copyFraction([median], threshold: threshold) == 0)
  #expect(NoveltySearch.copyFraction(real, threshold: threshold) <= 0.02)
}

@Test func nearestMatchesABruteForceSearch() {
  var rng = RandomStream(seed: 1, name: "novelty")
  let training = (0..<(50 * 64)).map { _ in UInt8(rng.nextInt(below: 256)) }
  let queries = (0..<(7 * 64)).map { _ in UInt8(rng.nextInt(below: 256)) }
  let search = NoveltySearch(training: training, count: 50, pixels: 64)
  let found = search.nearest(queries, count: 7)
  for q in 0..<7 {
    var best = (index: -1, d2: Double.infinity)
    for t in 0..<50 {
      var d2 = 0.0
      for p in 0..<64 {
        let a = Double(queries[q * 64 + p]) / 127.5 - 1
        let b = Double(training[t * 64 + p]) / 127.5 - 1
        d2 += (a - b) * (a - b)
      }
      if d2 < best.d2 { best = (t, d2) }
    }
    #expect(found[q].index == best.index)
    #expect(abs(Double(found[q].distance) - (best.d2 / 64).squareRoot()) < 1e-4)
  }
}

/// The k nearest, nearest first, against a brute-force sort of every distance.
@Test func kNearestMatchABruteForceSort() {
  var rng = RandomStream(seed: 2, name: "novelty-k")
  let training = (0..<(60 * 64)).map { _ in UInt8(rng.nextInt(below: 256)) }
  let queries = (0..<(5 * 64)).map { _ in UInt8(rng.nextInt(below: 256)) }
  let search = NoveltySearch(training: training, count: 60, pixels: 64)
  let found = search.nearest(queries, count: 5, k: 4)
  for q in 0..<5 {
    let order = (0..<60).map { t in
      (0..<64).reduce(0.0) { sum, p in
        let a = Double(queries[q * 64 + p]) / 127.5 - 1
        let b = Double(training[t * 64 + p]) / 127.5 - 1
        return sum + (a - b) * (a - b)
      }
    }.enumerated().sorted { $0.element < $1.element }.prefix(4).map(\.offset)
    #expect(found[q].map(\.index) == Array(order))
  }
}
