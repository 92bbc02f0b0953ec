/// A minimal protocol-buffers wire-format reader (varint, 64-bit, length-delimited, 32-bit
/// fields), enough for SentencePiece's `ModelProto`. Malformed input throws with the offset.
struct ProtobufReader {
  enum Value {
    case varint(UInt64)
    case fixed64(UInt64)
    case bytes(ArraySlice<UInt8>)
    case fixed32(UInt32)
  }

  let bytes: ArraySlice<UInt8>
  let path: String
  var position: Int

  init(_ bytes: ArraySlice<UInt8>, path: String) {
    self.bytes = bytes
    self.path = path
    position = bytes.startIndex
  }

  var atEnd: Bool { position >= bytes.endIndex }

  func fail(_ reason: String) -> TextEncodingError {
    .badProtobuf(path: path, offset: position, reason: reason)
  }

  mutating func varint() throws -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard position < bytes.endIndex else { throw fail("truncated varint") }
      guard shift < 64 else { throw fail("varint longer than 10 bytes") }
      let b = bytes[position]
      position += 1
      result |= UInt64(b & 0x7F) << shift
      if b & 0x80 == 0 { return result }
      shift += 7
    }
  }

  /// The next (field number, value), or nil at the end.
  mutating func next() throws -> (field: Int, value: Value)? {
    if atEnd { return nil }
    let key = try varint()
    let field = Int(key >> 3)
    switch key & 7 {
    case 0: return (field, .varint(try varint()))
    case 1:
      guard position + 8 <= bytes.endIndex else { throw fail("truncated 64-bit field \(field)") }
      var v: UInt64 = 0
      for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
      position += 8
      return (field, .fixed64(v))
    case 2:
      let n = try varint()
      guard n <= UInt64(bytes.endIndex - position) else {
        throw fail("length \(n) of field \(field) runs past the end")
      }
      let start = position
      position += Int(n)
      return (field, .bytes(bytes[start..<position]))
    case 5:
      guard position + 4 <= bytes.endIndex else { throw fail("truncated 32-bit field \(field)") }
      var v: UInt32 = 0
      for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
      position += 4
      return (field, .fixed32(v))
    default:
      throw fail("unsupported wire type \(key & 7) for field \(field)")
    }
  }
}
