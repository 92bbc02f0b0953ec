import Tensors

/// Novelty: how close each generated glyph is to its nearest training glyph.
///
/// Distances are per-pixel RMS in [−1, 1] units (‖a − b‖ / √pixels) at the model's resolution.
/// What counts as a copy is calibrated on real data: the held-out characters are real glyphs
/// that are, by construction, not in the training set, so their nearest-training distances show
/// how close two *different* characters come (variant forms such as 户/戶 come very close). A
/// generated glyph is a copy when it is closer to a training glyph than all but the closest
/// `copyPercentile` (1 %) of held-out characters are: so `copies` of real unseen characters is
/// about 0.01, and a model that memorises its training set scores far above it.
public struct NoveltySearch: Sendable {
  public static let copyPercentile = 0.01

  /// Training glyphs, `[count, pixels]` in [−1, 1].
  let training: [Float]
  let trainingCount: Int
  let pixels: Int

  public init(training bytes: [UInt8], count: Int, pixels: Int) {
    precondition(bytes.count == count * pixels, "NoveltySearch: \(bytes.count) bytes")
    training = bytes.map { Float($0) / 127.5 - 1 }
    trainingCount = count
    self.pixels = pixels
  }

  public struct Match: Sendable, Equatable, Codable {
    /// Index into the training set.
    public var index: Int
    /// Per-pixel RMS distance.
    public var distance: Float
  }

  /// The nearest training glyph of each of `count` images (bytes, same size as training),
  /// through blocked matrix products (fp32).
  public func nearest(_ bytes: [UInt8], count: Int) -> [Match] {
    nearest(bytes, count: count, k: 1).map { $0[0] }
  }

  /// The `k` nearest training glyphs of each of `count` images, nearest first (ties: the lower
  /// index first).
  public func nearest(_ bytes: [UInt8], count: Int, k: Int) -> [[Match]] {
    precondition(k >= 1 && k <= trainingCount, "NoveltySearch: k = \(k), \(trainingCount) glyphs")
    let queries = bytes.map { Float($0) / 127.5 - 1 }
    let queryNorms = PairwiseGeometry.squaredNorms(queries, count, dim: pixels)
    // Per query, the k best (squared distance, index) so far, sorted.
    var best = [[Match]](repeating: [], count: count)
    // Per query the distance a candidate must beat: ∞ until k are kept, then the k-th best (the
    // inner loop reads this flat array, not the nested lists).
    var bound = [Float](repeating: .infinity, count: count)
    let block = 4096
    var start = 0
    while start < trainingCount {
      let end = min(trainingCount, start + block)
      let chunk = Array(training[(start * pixels)..<(end * pixels)])
      let dots = PairwiseGeometry.dots(queries, count, chunk, end - start, dim: pixels)
      let norms = PairwiseGeometry.squaredNorms(chunk, end - start, dim: pixels)
      for q in 0..<count {
        for t in 0..<(end - start) {
          let d2 = max(0, queryNorms[q] + norms[t] - 2 * dots[q * (end - start) + t])
          guard best[q].count < k || d2 < bound[q] else { continue }
          let at = best[q].firstIndex { d2 < $0.distance } ?? best[q].count
          best[q].insert(Match(index: start + t, distance: d2), at: at)
          if best[q].count > k { best[q].removeLast() }
          if best[q].count == k { bound[q] = best[q][k - 1].distance }
        }
      }
      start = end
    }
    return best.map { row in
      row.map { Match(index: $0.index, distance: ($0.distance / Float(pixels)).squareRoot()) }
    }
  }

  /// The copy threshold: the `copyPercentile` quantile of held-out → training distances.
  public static func threshold(heldOut: [Match]) -> Float {
    let sorted = heldOut.map(\.distance).sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * copyPercentile))]
  }

  /// Share of matches strictly closer than `threshold`.
  public static func copyFraction(_ matches: [Match], threshold: Float) -> Double {
    Double(matches.filter { $0.distance < threshold }.count) / Double(max(matches.count, 1))
  }
}
