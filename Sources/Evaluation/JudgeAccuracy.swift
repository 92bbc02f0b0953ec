/// How well the judge reads real glyphs: the numbers on its card.
public struct JudgeAccuracy: Sendable, Codable, Equatable {
  public struct PerRadical: Sendable, Codable, Equatable {
    public var radical: Int
    public var count: Int
    public var top1: Double
  }

  public var count: Int
  public var top1: Double
  public var top5: Double
  /// Mean absolute error of the predicted total stroke count.
  public var strokeMAE: Double
  /// The 30 most frequent radicals of the set, most frequent first.
  public var frequent: [PerRadical]

  enum CodingKeys: String, CodingKey {
    case count, top1, top5, frequent
    case strokeMAE = "stroke_mae"
  }

  /// Scores `readout` against the true radicals (1–214) and stroke counts; unlabelled glyphs
  /// (radical 0) are skipped.
  public init(_ readout: GlyphJudge.Readout, radicals: [Int], strokes: [Int]) {
    var n = 0
    var hit1 = 0
    var hit5 = 0
    var strokeError = 0.0
    var perCount = [Int](repeating: 0, count: 215)
    var perHit = [Int](repeating: 0, count: 215)
    for i in 0..<readout.count where radicals[i] > 0 {
      n += 1
      let top = readout.topClasses(i, k: 5)
      let truth = radicals[i] - 1
      perCount[radicals[i]] += 1
      if top.first == truth {
        hit1 += 1
        perHit[radicals[i]] += 1
      }
      if top.contains(truth) { hit5 += 1 }
      strokeError += abs(Double(readout.strokes[i]) - Double(strokes[i]))
    }
    count = n
    top1 = Double(hit1) / Double(max(n, 1))
    top5 = Double(hit5) / Double(max(n, 1))
    strokeMAE = strokeError / Double(max(n, 1))
    frequent = (1...214).sorted {
      perCount[$0] > perCount[$1] || perCount[$0] == perCount[$1] && $0 < $1
    }
    .prefix(30).filter { perCount[$0] > 0 }.map {
      PerRadical(
        radical: $0, count: perCount[$0], top1: Double(perHit[$0]) / Double(perCount[$0]))
    }
  }

  /// Accuracy over the glyphs of the 30 most frequent radicals together.
  public var frequentTop1: Double {
    let n = frequent.reduce(0) { $0 + $1.count }
    return frequent.reduce(0.0) { $0 + $1.top1 * Double($1.count) } / Double(max(n, 1))
  }
}
