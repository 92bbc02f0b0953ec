// One named tensor as raw little-endian bytes, ready to serialise.

/// A tensor to write: name, dtype, shape and its little-endian bytes (row-major).
public struct SafeTensorsEntry: Sendable, Equatable {
  public var name: String
  public var dtype: SafeTensorsDType
  public var shape: [Int]
  public var data: [UInt8]

  /// Throws `.invalidShape` for negative or overflowing dimensions and `.byteCountMismatch`
  /// unless `data.count == product(shape) × dtype.byteSize`.
  public init(name: String, dtype: SafeTensorsDType, shape: [Int], data: [UInt8]) throws {
    try Self.validate(name: name, dtype: dtype, shape: shape, byteCount: data.count)
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.data = data
  }

  /// An F32 tensor. `values.count` must equal product(shape) (a programmer error otherwise).
  public static func f32(_ name: String, shape: [Int], _ values: [Float]) -> SafeTensorsEntry {
    make(name, .f32, shape, values)
  }

  /// A U8 tensor. `values.count` must equal product(shape).
  public static func u8(_ name: String, shape: [Int], _ values: [UInt8]) -> SafeTensorsEntry {
    make(name, .u8, shape, values)
  }

  /// An I64 tensor. `values.count` must equal product(shape).
  public static func i64(_ name: String, shape: [Int], _ values: [Int64]) -> SafeTensorsEntry {
    make(name, .i64, shape, values)
  }

  /// A BF16 tensor from Floats, rounded to nearest even (`bf16Bits`).
  public static func bf16(_ name: String, shape: [Int], _ values: [Float]) -> SafeTensorsEntry {
    make(name, .bf16, shape, values.map(bf16Bits))
  }

  /// An F16 tensor from Floats, rounded to nearest even (`f16Bits`).
  public static func f16(_ name: String, shape: [Int], _ values: [Float]) -> SafeTensorsEntry {
    make(name, .f16, shape, values.map(f16Bits))
  }

  static func validate(
    name: String, dtype: SafeTensorsDType, shape: [Int], byteCount: Int
  ) throws(SafeTensorsError) {
    guard let (_, bytes) = safeTensorsByteCount(shape: shape, dtype: dtype) else {
      throw SafeTensorsError(.invalidShape, key: name, detail: "shape \(shape)")
    }
    guard bytes == byteCount else {
      throw SafeTensorsError(
        .byteCountMismatch, key: name,
        detail: "\(byteCount) bytes for \(dtype.rawValue) \(shape), expected \(bytes)")
    }
  }

  /// Copies `values` byte for byte (the host is little-endian, as safetensors requires).
  private static func make<T: FixedWidthInteger & Sendable>(
    _ name: String, _ dtype: SafeTensorsDType, _ shape: [Int], _ values: [T]
  ) -> SafeTensorsEntry {
    let bytes = values.withUnsafeBufferPointer { b in
      b.map { $0.littleEndian }.withUnsafeBytes { Array($0) }
    }
    return makeChecked(name, dtype, shape, bytes, count: values.count)
  }

  private static func make(
    _ name: String, _ dtype: SafeTensorsDType, _ shape: [Int], _ values: [Float]
  ) -> SafeTensorsEntry {
    make(name, dtype, shape, values.map(\.bitPattern))
  }

  private static func makeChecked(
    _ name: String, _ dtype: SafeTensorsDType, _ shape: [Int], _ bytes: [UInt8], count: Int
  ) -> SafeTensorsEntry {
    guard let (expected, _) = safeTensorsByteCount(shape: shape, dtype: dtype),
      expected == count
    else {
      preconditionFailure("SafeTensorsEntry \(name): \(count) values for shape \(shape)")
    }
    do {
      return try SafeTensorsEntry(name: name, dtype: dtype, shape: shape, data: bytes)
    } catch {
      preconditionFailure("\(error)")
    }
  }
}
