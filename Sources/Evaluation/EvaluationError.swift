/// What can go wrong judging or evaluating: each case names the file (and key) at fault and,
/// where there is one, the command that fixes it.
public enum EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
  case missingFile(path: String, hint: String)
  case badConfig(file: String, key: String, reason: String)
  case corruptWeights(file: String, reason: String)
  case resolutionMismatch(model: String, modelSize: Int, dataset: String, datasetSize: Int)
  case invalidOption(String)
  case tooFewGlyphs(split: String, needed: Int, found: Int)

  public var description: String {
    switch self {
    case .missingFile(let path, let hint): "\(path): not found; \(hint)"
    case .badConfig(let file, let key, let reason): "\(file): \(key): \(reason)"
    case .corruptWeights(let file, let reason): "\(file): not usable judge weights (\(reason))"
    case .resolutionMismatch(let model, let m, let dataset, let d):
      "\(model) draws \(m) px glyphs but \(dataset) holds \(d) px glyphs; build a data set with "
        + "`glyffuser dataset build --size \(m) --out DIR` (or a multiple of \(m))"
    case .invalidOption(let why): why
    case .tooFewGlyphs(let split, let needed, let found):
      "the \(split) split has \(found) labelled glyphs; at least \(needed) are needed"
    }
  }
}
