/// Which code points a data set covers.
public struct CodePointSelection: Sendable, Equatable {
  public var ranges: [ClosedRange<UInt32>]

  public init(ranges: [ClosedRange<UInt32>]) { self.ranges = ranges }

  /// CJK Unified Ideographs Extension A and the URO: U+3400–U+9FFF (about 20,500 defined).
  public static let basic = CodePointSelection(ranges: [0x3400...0x9FFF])
  /// `basic` plus the supplementary-plane extensions B–H (U+20000–U+323AF).
  public static let withExtensions = CodePointSelection(ranges: [
    0x3400...0x9FFF, 0x20000...0x323AF,
  ])

  public func contains(_ codepoint: UInt32) -> Bool {
    ranges.contains { $0.contains(codepoint) }
  }
}

/// One Unihan `kDefinition` value.
public struct UnihanDefinition: Sendable, Equatable {
  public let codepoint: UInt32
  public let definition: String
  /// 1-based line number in the source text.
  public let line: Int
}

/// Parses the Unihan text format (UAX #38 §3): lines `U+XXXX<TAB>kField<TAB>value`, `#` comments,
/// blank lines. Every data line is validated, not only `kDefinition` ones, so a damaged file is
/// reported at its first bad line.
public enum UnihanParser {
  public static func definitions(
    in text: [UInt8], path: String, selection: CodePointSelection = .basic
  ) throws -> [UnihanDefinition] {
    var result: [UnihanDefinition] = []
    var lineNumber = 0
    var start = 0
    let tab = UInt8(ascii: "\t")
    let kDefinition = Array("kDefinition".utf8)
    try text.withUnsafeBufferPointer { bytes in
      while start < bytes.count {
        lineNumber += 1
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var lineEnd = end
        if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        defer { start = end + 1 }
        if lineEnd == start || bytes[start] == UInt8(ascii: "#") { continue }
        func fail(_ why: String) -> GlyphDataError {
          .malformedUnihan(path: path, line: lineNumber, reason: why)
        }
        // Field 1: U+ and 4–6 hex digits.
        var t1 = start
        while t1 < lineEnd && bytes[t1] != tab { t1 += 1 }
        guard t1 < lineEnd else { throw fail("expected 3 tab-separated fields") }
        var t2 = t1 + 1
        while t2 < lineEnd && bytes[t2] != tab { t2 += 1 }
        guard t2 < lineEnd else { throw fail("expected 3 tab-separated fields") }
        guard let codepoint = parseCodePoint(bytes, start, t1) else {
          throw fail("bad code point \"\(String(decoding: bytes[start..<t1], as: UTF8.self))\"")
        }
        let fieldLength = t2 - t1 - 1
        guard fieldLength >= 2, bytes[t1 + 1] == UInt8(ascii: "k") else {
          throw fail("bad field name \"\(String(decoding: bytes[(t1 + 1)..<t2], as: UTF8.self))\"")
        }
        guard t2 + 1 < lineEnd else { throw fail("empty value") }
        guard
          fieldLength == kDefinition.count
            && kDefinition.withUnsafeBufferPointer({ k in
              (0..<fieldLength).allSatisfy { bytes[t1 + 1 + $0] == k[$0] }
            })
        else { continue }
        guard selection.contains(codepoint) else { continue }
        guard let value = String(validating: bytes[(t2 + 1)..<lineEnd], as: UTF8.self) else {
          throw fail("value is not valid UTF-8")
        }
        result.append(UnihanDefinition(codepoint: codepoint, definition: value, line: lineNumber))
      }
    }
    result.sort { $0.codepoint < $1.codepoint }
    return result
  }

  private static func parseCodePoint(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int)
    -> UInt32?
  {
    let n = to - from
    guard n >= 6, n <= 8, b[from] == UInt8(ascii: "U"), b[from + 1] == UInt8(ascii: "+") else {
      return nil
    }
    var value: UInt32 = 0
    for i in (from + 2)..<to {
      let c = b[i]
      let digit: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
      default: return nil
      }
      value = value << 4 | digit
    }
    return value <= 0x10FFFF ? value : nil
  }
}
