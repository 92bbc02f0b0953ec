// The one error type of safetensors reading and writing.

/// A safetensors failure: what went wrong (`kind`), in which file and under which key.
///
/// Every malformed input maps to a kind here; the reader never traps on file contents.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// Fewer than the 8 bytes of the header-length prefix.
    case fileTooShort = "file shorter than the 8-byte header length"
    /// Header length above `SafeTensors.maxHeaderBytes` (100 MB).
    case headerTooLarge = "header length is absurd"
    /// Header length runs past the end of the file.
    case headerPastEnd = "header runs past the end of the file"
    /// Header bytes are not valid UTF-8 JSON.
    case invalidJSON = "header is not valid JSON"
    /// Header JSON is valid but not an object.
    case headerNotObject = "header is not a JSON object"
    /// A tensor entry is not `{"dtype":…, "shape":[…], "data_offsets":[b, e]}`.
    case malformedEntry = "malformed tensor entry"
    /// The `"dtype"` string is not one of `SafeTensorsDType`.
    case unknownDType = "unknown dtype"
    /// A dimension is negative, not an integer, or the element/byte count overflows.
    case invalidShape = "invalid shape"
    /// `data_offsets` are not two non-negative integers with begin ≤ end.
    case invalidOffsets = "invalid data_offsets"
    /// `end − begin` differs from product(shape) × dtype size.
    case sizeMismatch = "data_offsets do not match shape × dtype size"
    /// `end` lies past the end of the data buffer.
    case offsetsOutOfBounds = "data_offsets past the end of the data buffer"
    /// Two tensors share bytes.
    case overlappingOffsets = "tensors overlap in the data buffer"
    /// Bytes of the data buffer belong to no tensor.
    case holeInBuffer = "data buffer has bytes covered by no tensor"
    /// A tensor name appears twice (in a header, or among entries to write).
    case duplicateName = "duplicate tensor name"
    /// `__metadata__` is not an object of string → string.
    case invalidMetadata = "invalid __metadata__"
    /// `__metadata__` used as a tensor name when writing.
    case reservedName = "reserved tensor name"
    /// No tensor with that name.
    case tensorNotFound = "no such tensor"
    /// The tensor's dtype cannot be read as the requested element type.
    case dtypeMismatch = "dtype cannot be read as the requested type"
    /// Entry data byte count differs from product(shape) × dtype size.
    case byteCountMismatch = "data byte count does not match shape × dtype size"
    /// open/fstat/mmap failed.
    case io = "I/O error"
  }

  public let kind: Kind
  /// Path of the file, when the bytes came from one.
  public let file: String?
  /// Tensor name or header key concerned, when there is one.
  public let key: String?
  /// Specifics: the offending value, byte offset or system error.
  public let detail: String

  public init(_ kind: Kind, file: String? = nil, key: String? = nil, detail: String = "") {
    self.kind = kind
    self.file = file
    self.key = key
    self.detail = detail
  }

  public var description: String {
    var s = "safetensors"
    if let file { s += " \(file)" }
    if let key { s += " [\(key)]" }
    s += ": \(kind.rawValue)"
    if !detail.isEmpty { s += " (\(detail))" }
    return s
  }

  func with(file: String?) -> SafeTensorsError {
    SafeTensorsError(kind, file: file, key: key, detail: detail)
  }
}
