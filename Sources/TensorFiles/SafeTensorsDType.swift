// Element types a safetensors file may hold (the subset Glyffuser reads and writes).

/// A safetensors element type, spelled as in the header's `"dtype"` field.
///
/// Values are stored little-endian; `bool` is one byte per element (0 or 1).
public enum SafeTensorsDType: String, Sendable, CaseIterable {
  case f32 = "F32"
  case f16 = "F16"
  case bf16 = "BF16"
  case i64 = "I64"
  case u8 = "U8"
  case i32 = "I32"
  case f64 = "F64"
  case bool = "BOOL"

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .u8, .bool: 1
    case .f16, .bf16: 2
    case .f32, .i32: 4
    case .f64, .i64: 8
    }
  }

  /// Whether `floats(_:)` can convert this type to Float.
  public var isFloatingPoint: Bool {
    switch self {
    case .f32, .f16, .bf16, .f64: true
    case .i64, .u8, .i32, .bool: false
    }
  }
}

/// `shape`'s element count and byte size, or nil when a dimension is negative or a product
/// overflows `Int`. An empty shape is a scalar (one element).
func safeTensorsByteCount(shape: [Int], dtype: SafeTensorsDType) -> (count: Int, bytes: Int)? {
  var count = 1
  for d in shape {
    if d < 0 { return nil }
    let (p, overflow) = count.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    count = p
  }
  let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
  return overflow ? nil : (count, bytes)
}
