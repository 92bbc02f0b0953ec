import Foundation

/// A parsed JSON object with typed, path-naming accessors (config.json, tokenizer.json,
/// metadata.jsonl lines).
struct JSONObject {
  let raw: [String: Any]
  let path: String
  let line: Int
  let prefix: String

  init(_ url: URL) throws {
    let data = try readData(url)
    try self.init(data: data, path: url.path, line: 0)
  }

  init(data: Data, path: String, line: Int) throws {
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: data)
    } catch {
      if String(data: data, encoding: .utf8) == nil {
        throw TextEncodingError.notUTF8(path: path, line: line)
      }
      throw TextEncodingError.badField(
        path: path, line: line, field: "(document)", reason: "not valid JSON")
    }
    guard let object = parsed as? [String: Any] else {
      throw TextEncodingError.badField(
        path: path, line: line, field: "(document)", reason: "not a JSON object")
    }
    self.init(raw: object, path: path, line: line, prefix: "")
  }

  init(raw: [String: Any], path: String, line: Int, prefix: String) {
    self.raw = raw
    self.path = path
    self.line = line
    self.prefix = prefix
  }

  func fail(_ key: String, _ reason: String) -> TextEncodingError {
    .badField(path: path, line: line, field: prefix + key, reason: reason)
  }

  func object(_ key: String) throws -> JSONObject {
    guard let o = raw[key] as? [String: Any] else { throw fail(key, "missing or not an object") }
    return JSONObject(raw: o, path: path, line: line, prefix: prefix + key + ".")
  }

  func int(_ key: String) throws -> Int {
    guard let v = raw[key] else { throw fail(key, "missing") }
    // Through Double: `NSNumber.intValue` of 1e30 is not an error but a wrapped value.
    guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else {
      throw fail(key, "not an integer")
    }
    return i
  }

  func int(_ key: String, default d: Int) throws -> Int { raw[key] == nil ? d : try int(key) }

  /// An integer in `range` (sizes from a file: checked before anything is allocated or divided).
  func int(_ key: String, in range: ClosedRange<Int>, default d: Int? = nil) throws -> Int {
    let i = try d.map { try int(key, default: $0) } ?? int(key)
    guard range.contains(i) else {
      throw fail(key, "\(i) is outside \(range.lowerBound)…\(range.upperBound)")
    }
    return i
  }

  func double(_ key: String, default d: Double? = nil) throws -> Double {
    guard let v = raw[key] else {
      if let d { return d }
      throw fail(key, "missing")
    }
    guard let n = v as? NSNumber else { throw fail(key, "not a number") }
    return n.doubleValue
  }

  func string(_ key: String) throws -> String {
    guard let s = raw[key] as? String else { throw fail(key, "missing or not a string") }
    return s
  }

  func string(_ key: String, default d: String) throws -> String {
    raw[key] == nil || raw[key] is NSNull ? d : try string(key)
  }

  func bool(_ key: String, default d: Bool) throws -> Bool {
    guard let v = raw[key], !(v is NSNull) else { return d }
    guard let b = v as? Bool else { throw fail(key, "not a boolean") }
    return b
  }
}
