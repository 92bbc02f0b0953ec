/// The one way the project words a `DecodingError`: "key.path[2]: problem", so that with the
/// file name in front every bad config or metadata file says where it is wrong.
public enum DecodingErrorText {
  public static func describe(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.isEmpty
        ? "(top level)"
        : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
          .replacingOccurrences(of: ".[", with: "[")
    }
    guard let e = error as? DecodingError else { return "\(error)" }
    switch e {
    case .typeMismatch(let type, let c):
      return "\(path(c.codingPath)): expected \(type) (\(c.debugDescription))"
    case .valueNotFound(_, let c):
      return "\(path(c.codingPath)): missing value"
    case .keyNotFound(let key, let c):
      return "\(path(c.codingPath + [key])): missing"
    case .dataCorrupted(let c):
      return "\(path(c.codingPath)): \(c.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }
}
