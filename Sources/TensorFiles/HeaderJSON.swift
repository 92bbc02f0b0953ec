// A small strict JSON (RFC 8259) reader for safetensors headers.
//
// Foundation's JSONSerialization silently merges duplicate keys, bridges `true` to 1 and
// accepts `2.0` as an integer; a header must be rejected in all three cases, so the header is
// read with this parser instead. It keeps object members in file order (duplicates included),
// keeps numbers as their source text, bounds nesting depth, and never traps on bad input.

/// A parsed JSON value. Objects keep every member in order, duplicates included.
indirect enum HeaderJSON {
  case object([(key: String, value: HeaderJSON)])
  case array([HeaderJSON])
  case string(String)
  /// The number's source text, validated against the JSON number grammar.
  case number(String)
  case bool(Bool)
  case null

  /// The value as a non-negative integer with no fraction or exponent, or nil.
  var nonNegativeInt: Int? {
    guard case .number(let text) = self, !text.isEmpty,
      text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return Int(text)  // nil on overflow
  }

  var typeName: String {
    switch self {
    case .object: "object"
    case .array: "array"
    case .string: "string"
    case .number(let t): "number \(t)"
    case .bool(let b): "\(b)"
    case .null: "null"
    }
  }
}

struct HeaderJSONError: Error {
  var message: String
  var offset: Int
}

struct HeaderJSONParser {
  /// Deeper nesting is an error (a safetensors header needs depth 3).
  static let maxDepth = 64

  private let bytes: UnsafeRawBufferPointer
  private var i = 0
  private var depth = 0

  /// Parses one JSON document that spans all of `bytes` (surrounding whitespace allowed).
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(HeaderJSONError) -> HeaderJSON {
    var p = HeaderJSONParser(bytes: bytes)
    p.skipWhitespace()
    let value = try p.parseValue()
    p.skipWhitespace()
    if p.i != bytes.count { throw p.error("trailing characters after the JSON value") }
    return value
  }

  private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  private func error(_ message: String) -> HeaderJSONError {
    HeaderJSONError(message: message, offset: i)
  }

  private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

  private mutating func skipWhitespace() {
    while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
  }

  private mutating func expect(_ c: UInt8) throws(HeaderJSONError) {
    guard peek == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
    i += 1
  }

  private mutating func parseValue() throws(HeaderJSONError) -> HeaderJSON {
    guard let c = peek else { throw error("unexpected end of header") }
    switch c {
    case UInt8(ascii: "{"):
      return try nested { (p: inout HeaderJSONParser) throws(HeaderJSONError) in try p.parseObject()
      }
    case UInt8(ascii: "["):
      return try nested { (p: inout HeaderJSONParser) throws(HeaderJSONError) in try p.parseArray()
      }
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try literal("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try literal("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try literal("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    default: throw error("unexpected byte 0x\(String(c, radix: 16))")
    }
  }

  private mutating func nested(
    _ body: (inout HeaderJSONParser) throws(HeaderJSONError) -> HeaderJSON
  ) throws(HeaderJSONError) -> HeaderJSON {
    depth += 1
    defer { depth -= 1 }
    if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
    return try body(&self)
  }

  private mutating func literal(_ word: StaticString) throws(HeaderJSONError) {
    let n = word.utf8CodeUnitCount
    guard bytes.count - i >= n else { throw error("invalid literal") }
    for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw error("invalid literal") }
    i += n
  }

  private mutating func parseObject() throws(HeaderJSONError) -> HeaderJSON {
    try expect(UInt8(ascii: "{"))
    var members: [(key: String, value: HeaderJSON)] = []
    skipWhitespace()
    if peek == UInt8(ascii: "}") {
      i += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
      let key = try parseString()
      skipWhitespace()
      try expect(UInt8(ascii: ":"))
      skipWhitespace()
      members.append((key, try parseValue()))
      skipWhitespace()
      if peek == UInt8(ascii: ",") {
        i += 1
      } else {
        try expect(UInt8(ascii: "}"))
        return .object(members)
      }
    }
  }

  private mutating func parseArray() throws(HeaderJSONError) -> HeaderJSON {
    try expect(UInt8(ascii: "["))
    var items: [HeaderJSON] = []
    skipWhitespace()
    if peek == UInt8(ascii: "]") {
      i += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue())
      skipWhitespace()
      if peek == UInt8(ascii: ",") {
        i += 1
      } else {
        try expect(UInt8(ascii: "]"))
        return .array(items)
      }
    }
  }

  /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  private mutating func parseNumber() throws(HeaderJSONError) -> String {
    let start = i
    func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    if peek == UInt8(ascii: "-") { i += 1 }
    if peek == UInt8(ascii: "0") {
      i += 1
    } else if isDigit(peek) {
      while isDigit(peek) { i += 1 }
    } else {
      throw error("invalid number")
    }
    if peek == UInt8(ascii: ".") {
      i += 1
      guard isDigit(peek) else { throw error("invalid number") }
      while isDigit(peek) { i += 1 }
    }
    if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
      i += 1
      if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
      guard isDigit(peek) else { throw error("invalid number") }
      while isDigit(peek) { i += 1 }
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
  }

  private mutating func parseString() throws(HeaderJSONError) -> String {
    try expect(UInt8(ascii: "\""))
    var out: [UInt8] = []
    while true {
      guard let c = peek else { throw error("unterminated string") }
      i += 1
      switch c {
      case UInt8(ascii: "\""):
        guard let s = String(validating: out, as: UTF8.self) else {
          throw error("string is not valid UTF-8")
        }
        return s
      case UInt8(ascii: "\\"):
        try parseEscape(into: &out)
      case 0..<0x20:
        throw error("unescaped control character in string")
      default:
        out.append(c)
      }
    }
  }

  private mutating func parseEscape(into out: inout [UInt8]) throws(HeaderJSONError) {
    guard let e = peek else { throw error("unterminated escape") }
    i += 1
    switch e {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
    case UInt8(ascii: "b"): out.append(0x08)
    case UInt8(ascii: "f"): out.append(0x0C)
    case UInt8(ascii: "n"): out.append(0x0A)
    case UInt8(ascii: "r"): out.append(0x0D)
    case UInt8(ascii: "t"): out.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = UInt32(try hex4())
      if (0xD800..<0xDC00).contains(scalar) {
        guard peek == UInt8(ascii: "\\") else { throw error("unpaired surrogate") }
        i += 1
        guard peek == UInt8(ascii: "u") else { throw error("unpaired surrogate") }
        i += 1
        let low = UInt32(try hex4())
        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      }
      guard let u = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
      out.append(contentsOf: Array(String(Character(u)).utf8))
    default:
      throw error("invalid escape")
    }
  }

  private mutating func hex4() throws(HeaderJSONError) -> UInt16 {
    guard bytes.count - i >= 4 else { throw error("truncated \\u escape") }
    var v: UInt16 = 0
    for _ in 0..<4 {
      let c = bytes[i]
      let d: UInt8
      switch c {
      case 0x30...0x39: d = c - 0x30
      case 0x41...0x46: d = c - 0x41 + 10
      case 0x61...0x66: d = c - 0x61 + 10
      default: throw error("invalid \\u escape")
      }
      v = v << 4 | UInt16(d)
      i += 1
    }
    return v
  }
}

/// Appends `s` as a JSON string literal (quotes, `\"`, `\\`, control characters as \u00XX).
func appendJSONString(_ s: String, to out: inout [UInt8]) {
  out.append(UInt8(ascii: "\""))
  for c in s.utf8 {
    switch c {
    case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
    case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
    case 0..<0x20:
      let hex = Array("0123456789abcdef".utf8)
      out.append(contentsOf: Array("\\u00".utf8))
      out.append(hex[Int(c >> 4)])
      out.append(hex[Int(c & 0xF)])
    default: out.append(c)
    }
  }
  out.append(UInt8(ascii: "\""))
}
