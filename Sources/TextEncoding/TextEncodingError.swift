import Foundation

/// Everything that can go wrong reading a tokenizer, an encoder folder or a caption cache. Each
/// case names the file and, where there is one, the line, field or tensor.
public enum TextEncodingError: Error, CustomStringConvertible, Sendable, Equatable {
  /// A required file is absent; `hint` says how to get it.
  case missingFile(path: String, hint: String)
  /// The file exists but cannot be read.
  case unreadable(path: String, reason: String)
  /// The bytes are not UTF-8 (line is 1-based, 0 when unknown).
  case notUTF8(path: String, line: Int)
  /// A JSON/JSON-lines file is malformed or a field is missing or has the wrong type.
  case badField(path: String, line: Int, field: String, reason: String)
  /// A protobuf (spiece.model) is malformed.
  case badProtobuf(path: String, offset: Int, reason: String)
  /// The checkpoint lacks a tensor the model needs.
  case missingTensor(path: String, key: String)
  /// A tensor has a different shape than the config implies.
  case shapeMismatch(path: String, key: String, expected: [Int], found: [Int])
  /// A tensor in the model's namespace that the config does not explain.
  case unexpectedTensor(path: String, key: String)
  /// The weights do not have the published checksum.
  case checksumMismatch(path: String, expected: String, found: String)
  /// The config names an architecture or option this package does not implement.
  case unsupported(path: String, what: String)
  /// A caption cache does not belong to this data set or encoder.
  case staleCache(path: String, reason: String)

  public var description: String {
    switch self {
    case .missingFile(let p, let hint): return "\(p): missing. \(hint)"
    case .unreadable(let p, let r): return "\(p): cannot read (\(r))"
    case .notUTF8(let p, let line):
      return line > 0 ? "\(p):\(line): not valid UTF-8" : "\(p): not valid UTF-8"
    case .badField(let p, let line, let f, let r):
      return line > 0 ? "\(p):\(line): field \(f): \(r)" : "\(p): field \(f): \(r)"
    case .badProtobuf(let p, let o, let r): return "\(p): malformed protobuf at byte \(o): \(r)"
    case .missingTensor(let p, let k): return "\(p): tensor \(k) is missing"
    case .shapeMismatch(let p, let k, let e, let f):
      return "\(p): tensor \(k) has shape \(f), the config needs \(e)"
    case .unexpectedTensor(let p, let k):
      return "\(p): tensor \(k) is not part of the model the config describes"
    case .checksumMismatch(let p, let e, let f):
      return "\(p): SHA-256 \(f) does not match the published \(e); refusing these weights"
    case .unsupported(let p, let w): return "\(p): unsupported \(w)"
    case .staleCache(let p, let r): return "\(p): stale caption cache: \(r)"
    }
  }
}

/// Reads a whole file as UTF-8 text, with typed errors.
func readUTF8(_ url: URL, hint: String = "") throws -> String {
  let data = try readData(url, hint: hint)
  guard let text = String(data: data, encoding: .utf8) else {
    // Find the first bad line for the message.
    var line = 1
    var start = data.startIndex
    for i in data.indices where data[i] == 0x0A {
      if String(data: data[start..<i], encoding: .utf8) == nil { break }
      line += 1
      start = i + 1
    }
    throw TextEncodingError.notUTF8(path: url.path, line: line)
  }
  return text
}

func readData(_ url: URL, hint: String = "") throws -> Data {
  guard FileManager.default.fileExists(atPath: url.path) else {
    throw TextEncodingError.missingFile(path: url.path, hint: hint)
  }
  do {
    return try Data(contentsOf: url, options: .alwaysMapped)
  } catch {
    throw TextEncodingError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
  }
}
