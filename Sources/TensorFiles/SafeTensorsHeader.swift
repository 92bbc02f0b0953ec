// Parsing and validating a safetensors header: the rules of the format, in one place.
//
// File layout (https://github.com/huggingface/safetensors, format section):
//   [u64 little-endian N][N bytes of UTF-8 JSON header][data buffer]
// The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
// relative to the data buffer) plus an optional "__metadata__" object of string → string.
// The tensors must tile the data buffer exactly: no overlaps, no holes, no trailing bytes.

/// Where one tensor lives in the data buffer.
struct SafeTensorsRecord: Sendable {
  var dtype: SafeTensorsDType
  var shape: [Int]
  var count: Int
  var begin: Int
  var end: Int
}

/// The validated contents of a header.
struct SafeTensorsHeader: Sendable {
  var records: [String: SafeTensorsRecord]
  var metadata: [String: String]
  /// Offset of the data buffer from the start of the file (8 + N).
  var dataStart: Int

  /// Validates the first `length` bytes at `base` as a whole safetensors file.
  static func parse(
    _ base: UnsafeRawPointer?, length: Int
  ) throws(SafeTensorsError) -> SafeTensorsHeader {
    guard length >= 8, let base else {
      throw SafeTensorsError(.fileTooShort, detail: "\(length) bytes")
    }
    let n = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
    if n > UInt64(SafeTensors.maxHeaderBytes) {
      throw SafeTensorsError(.headerTooLarge, detail: "header length \(n)")
    }
    let headerLength = Int(n)
    if headerLength > length - 8 {
      throw SafeTensorsError(
        .headerPastEnd, detail: "header length \(headerLength), file \(length) bytes")
    }
    let json: HeaderJSON
    do {
      json = try HeaderJSONParser.parse(
        UnsafeRawBufferPointer(start: base + 8, count: headerLength))
    } catch {
      throw SafeTensorsError(
        .invalidJSON, detail: "\(error.message) at header byte \(error.offset)")
    }
    guard case .object(let members) = json else {
      throw SafeTensorsError(.headerNotObject, detail: json.typeName)
    }
    let bufferLength = length - 8 - headerLength
    var records: [String: SafeTensorsRecord] = [:]
    var metadata: [String: String]? = nil
    for (key, value) in members {
      if key == SafeTensors.metadataKey {
        if metadata != nil {
          throw SafeTensorsError(.invalidMetadata, key: key, detail: "appears twice")
        }
        metadata = try parseMetadata(value)
      } else {
        if records[key] != nil { throw SafeTensorsError(.duplicateName, key: key) }
        records[key] = try parseRecord(key, value, bufferLength: bufferLength)
      }
    }
    try checkTiling(records, bufferLength: bufferLength)
    return SafeTensorsHeader(
      records: records, metadata: metadata ?? [:], dataStart: 8 + headerLength)
  }

  private static func parseMetadata(_ value: HeaderJSON) throws(SafeTensorsError) -> [String:
    String]
  {
    let key = SafeTensors.metadataKey
    guard case .object(let members) = value else {
      throw SafeTensorsError(.invalidMetadata, key: key, detail: "\(value.typeName), not object")
    }
    var out: [String: String] = [:]
    for (k, v) in members {
      guard case .string(let s) = v else {
        throw SafeTensorsError(.invalidMetadata, key: key, detail: "\"\(k)\" is \(v.typeName)")
      }
      if out[k] != nil {
        throw SafeTensorsError(.invalidMetadata, key: key, detail: "\"\(k)\" appears twice")
      }
      out[k] = s
    }
    return out
  }

  private static func parseRecord(
    _ name: String, _ value: HeaderJSON, bufferLength: Int
  ) throws(SafeTensorsError) -> SafeTensorsRecord {
    guard case .object(let members) = value else {
      throw SafeTensorsError(.malformedEntry, key: name, detail: "\(value.typeName), not object")
    }
    var dtypeValue: HeaderJSON?
    var shapeValue: HeaderJSON?
    var offsetsValue: HeaderJSON?
    for (field, v) in members {
      switch field {
      case "dtype" where dtypeValue == nil: dtypeValue = v
      case "shape" where shapeValue == nil: shapeValue = v
      case "data_offsets" where offsetsValue == nil: offsetsValue = v
      case "dtype", "shape", "data_offsets":
        throw SafeTensorsError(.malformedEntry, key: name, detail: "field \(field) twice")
      default:
        throw SafeTensorsError(.malformedEntry, key: name, detail: "unknown field \(field)")
      }
    }
    guard case .string(let dtypeName)? = dtypeValue else {
      throw SafeTensorsError(.malformedEntry, key: name, detail: "dtype missing or not a string")
    }
    guard case .array(let dims)? = shapeValue else {
      throw SafeTensorsError(.malformedEntry, key: name, detail: "shape missing or not an array")
    }
    guard case .array(let offsets)? = offsetsValue else {
      throw SafeTensorsError(
        .malformedEntry, key: name, detail: "data_offsets missing or not an array")
    }
    guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
      throw SafeTensorsError(.unknownDType, key: name, detail: dtypeName)
    }
    var shape: [Int] = []
    for d in dims {
      guard let v = d.nonNegativeInt else {
        throw SafeTensorsError(.invalidShape, key: name, detail: "dimension \(d.typeName)")
      }
      shape.append(v)
    }
    guard let (count, bytes) = safeTensorsByteCount(shape: shape, dtype: dtype) else {
      throw SafeTensorsError(.invalidShape, key: name, detail: "\(shape) overflows")
    }
    guard offsets.count == 2, let begin = offsets[0].nonNegativeInt,
      let end = offsets[1].nonNegativeInt, begin <= end
    else {
      throw SafeTensorsError(
        .invalidOffsets, key: name, detail: "[\(offsets.map(\.typeName).joined(separator: ", "))]")
    }
    if end > bufferLength {
      throw SafeTensorsError(
        .offsetsOutOfBounds, key: name, detail: "end \(end) > buffer \(bufferLength) bytes")
    }
    if end - begin != bytes {
      throw SafeTensorsError(
        .sizeMismatch, key: name,
        detail:
          "[\(begin), \(end)) holds \(end - begin) bytes, \(dtype.rawValue) \(shape) needs \(bytes)"
      )
    }
    return SafeTensorsRecord(dtype: dtype, shape: shape, count: count, begin: begin, end: end)
  }

  /// Sorted by (begin, end), each tensor must start where the previous ended, from 0 to the
  /// end of the buffer.
  private static func checkTiling(
    _ records: [String: SafeTensorsRecord], bufferLength: Int
  ) throws(SafeTensorsError) {
    let sorted = records.sorted { ($0.value.begin, $0.value.end) < ($1.value.begin, $1.value.end) }
    var expected = 0
    for (name, r) in sorted {
      if r.begin < expected {
        throw SafeTensorsError(
          .overlappingOffsets, key: name, detail: "begins at \(r.begin), before byte \(expected)")
      }
      if r.begin > expected {
        throw SafeTensorsError(
          .holeInBuffer, key: name, detail: "bytes [\(expected), \(r.begin)) unused")
      }
      expected = r.end
    }
    if expected != bufferLength {
      throw SafeTensorsError(
        .holeInBuffer, detail: "bytes [\(expected), \(bufferLength)) after the last tensor unused")
    }
  }
}
