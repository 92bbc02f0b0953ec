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

/// Evaluation labels of one character: its Kangxi radical (1–214) and total stroke count.
public struct GlyphLabels: Sendable, Equatable, Codable {
  public var radical: Int
  public var strokes: Int
  public init(radical: Int, strokes: Int) {
    self.radical = radical
    self.strokes = strokes
  }

  /// The radical's character from the Kangxi Radicals block (U+2F00–U+2FD5, in radical order).
  public static func radicalSymbol(_ radical: Int) -> String {
    guard (1...214).contains(radical), let s = Unicode.Scalar(0x2F00 + UInt32(radical - 1)) else {
      return "?"
    }
    return String(Character(s))
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
    try scan(text, path: path, fields: ["kDefinition"], selection: selection) {
      codepoint, _, value, line in
      result.append(UnihanDefinition(codepoint: codepoint, definition: value, line: line))
    }
    result.sort { $0.codepoint < $1.codepoint }
    return result
  }

  /// `kRSUnicode` radicals and `kTotalStrokes` counts (Debian's `Unihan_IRGSources.txt.bz2`),
  /// by code point. A character needs both fields to get labels.
  ///
  /// `kRSUnicode` (UAX #38): space-separated `radical.residual` values; the first is the
  /// character's primary radical-stroke index. Apostrophes after the radical number mark the
  /// simplified form of that Kangxi radical (钅 for 釒): the number is kept, so 钅 and 釒 are
  /// both radical 167. `kTotalStrokes`: space-separated counts, the first is the one for the
  /// mainland (zh-Hans) form, which the data set's font (Noto Sans CJK SC) draws.
  public static func labels(
    in text: [UInt8], path: String, selection: CodePointSelection = .basic
  ) throws -> [UInt32: GlyphLabels] {
    var radicals: [UInt32: Int] = [:]
    var strokes: [UInt32: Int] = [:]
    try scan(text, path: path, fields: ["kRSUnicode", "kTotalStrokes"], selection: selection) {
      codepoint, field, value, line in
      let first = value.split(separator: " ", omittingEmptySubsequences: true).first ?? ""
      func fail(_ why: String) -> GlyphDataError {
        .malformedUnihan(path: path, line: line, reason: why)
      }
      if field == 0 {
        guard let radical = radicalNumber(first) else {
          throw fail("kRSUnicode value \"\(value)\" is not radical.strokes with radical 1–214")
        }
        radicals[codepoint] = radical
      } else {
        guard let count = Int(first), (1...99).contains(count) else {
          throw fail("kTotalStrokes value \"\(value)\" is not a stroke count 1–99")
        }
        strokes[codepoint] = count
      }
    }
    var result: [UInt32: GlyphLabels] = [:]
    for (codepoint, radical) in radicals {
      guard let count = strokes[codepoint] else { continue }
      result[codepoint] = GlyphLabels(radical: radical, strokes: count)
    }
    return result
  }

  /// The radical of one `kRSUnicode` value ("85.5", "167'.2", "120''.3", "9.-1"), or nil.
  static func radicalNumber<S: StringProtocol>(_ value: S) -> Int? {
    guard let dot = value.firstIndex(of: ".") else { return nil }
    var digits = value[..<dot]
    while digits.hasSuffix("'") { digits = digits.dropLast() }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), (1...214).contains(n)
    else { return nil }
    guard Int(value[value.index(after: dot)...]) != nil else { return nil }
    return n
  }

  /// Walks every line of a Unihan file (UAX #38 §3), validating each data line, and calls `body`
  /// with the code point, the index in `fields`, the value and the line number of every line
  /// whose field is one of `fields` and whose code point is in `selection`.
  static func scan(
    _ text: [UInt8], path: String, fields names: [String], selection: CodePointSelection,
    body: (_ codepoint: UInt32, _ field: Int, _ value: String, _ line: Int) throws -> Void
  ) throws {
    var lineNumber = 0
    var start = 0
    let tab = UInt8(ascii: "\t")
    let fields = names.map { Array($0.utf8) }
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
          let field = fields.firstIndex(where: { name in
            name.count == fieldLength
              && (0..<fieldLength).allSatisfy { bytes[t1 + 1 + $0] == name[$0] }
          })
        else { continue }
        guard selection.contains(codepoint) else { continue }
        guard let value = String(validating: bytes[(t2 + 1)..<lineEnd], as: UTF8.self) else {
          throw fail("value is not valid UTF-8")
        }
        try body(codepoint, field, value, lineNumber)
      }
    }
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
