/// Element types a tensor can store.
///
/// Arithmetic is carried out in fp32; `bf16` is a storage type (half the memory) whose values are
/// converted on the way into a kernel and rounded (to nearest even) on the way out.
public enum DType: String, Sendable, Hashable, CaseIterable {
  case f32
  case bf16

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .f32: 4
    case .bf16: 2
    }
  }
}

/// bfloat16 bits of `x`, rounded to nearest even; NaN stays NaN.
@inline(__always)
public func bfloat16Bits(_ x: Float) -> UInt16 {
  let bits = x.bitPattern
  if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
  let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
  return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
}

/// The fp32 value of bfloat16 bits (exact).
@inline(__always)
public func floatFromBFloat16Bits(_ b: UInt16) -> Float {
  Float(bitPattern: UInt32(b) << 16)
}
