import GlyphData

/// The judge applied to a data set's real glyphs.
public enum JudgeScoring {
  /// Top-1/top-5 radical accuracy and stroke error on the labelled validation glyphs.
  public static func validationAccuracy(_ judge: GlyphJudge, dataset: GlyphDataset) throws
    -> JudgeAccuracy
  {
    let labels = try dataset.requireLabels()
    let indices = dataset.indices(in: .validation).filter { labels.radicals[$0] > 0 }
    guard !indices.isEmpty else {
      throw EvaluationError.tooFewGlyphs(split: "validation", needed: 1, found: 0)
    }
    let readout = judge.read(
      try judge.inputs(dataset.pixels(of: indices), count: indices.count, size: dataset.size))
    return JudgeAccuracy(
      readout, radicals: indices.map { labels.radicals[$0] },
      strokes: indices.map { labels.strokes[$0] })
  }
}
