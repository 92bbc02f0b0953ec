/// Everything that can go wrong reading sources or writing/reading a data set. Each case names
/// the file (and line or field) at fault.
public enum GlyphDataError: Error, Sendable, Equatable, CustomStringConvertible {
  case fileNotFound(path: String)
  case unreadable(path: String, reason: String)
  case corruptArchive(path: String, reason: String)
  case malformedUnihan(path: String, line: Int, reason: String)
  case noDefinitions(path: String)
  case fontNotFound(path: String)
  case fontUnreadable(path: String, reason: String)
  case notAFont(path: String)
  case fontFamilyNotFound(path: String, family: String, available: [String])
  case invalidOption(String)
  case outputIsFile(path: String)
  case outputNotADataset(path: String)
  case writeFailed(path: String, reason: String)
  case malformedDataset(path: String, reason: String)
  case cancelled

  public var description: String {
    switch self {
    case .fileNotFound(let path): "\(path): no such file"
    case .unreadable(let path, let reason): "\(path): cannot be read (\(reason))"
    case .corruptArchive(let path, let reason): "\(path): corrupt archive (\(reason))"
    case .malformedUnihan(let path, let line, let reason):
      "\(path):\(line): malformed Unihan line (\(reason))"
    case .noDefinitions(let path): "\(path): no kDefinition entries in the selected range"
    case .fontNotFound(let path): "\(path): font file not found"
    case .fontUnreadable(let path, let reason): "\(path): font cannot be read (\(reason))"
    case .notAFont(let path): "\(path): not a font file FreeType recognises"
    case .fontFamilyNotFound(let path, let family, let available):
      "\(path): no face of family \"\(family)\" (faces: \(available.joined(separator: ", ")))"
    case .invalidOption(let why): why
    case .outputIsFile(let path): "\(path): output path exists and is a file, not a directory"
    case .outputNotADataset(let path):
      "\(path): exists, is not empty and is not a glyffuser data set; refusing to replace it"
    case .writeFailed(let path, let reason): "\(path): write failed (\(reason))"
    case .malformedDataset(let path, let reason): "\(path): not a valid data set (\(reason))"
    case .cancelled: "cancelled; any previous data set is unchanged"
    }
  }
}
