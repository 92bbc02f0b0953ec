// Half-precision <-> Float conversions used by safetensors I/O (and later by bf16 kernels).

/// The bfloat16 bit pattern nearest to `x` (IEEE round-to-nearest, ties to even).
///
/// bf16 is the top 16 bits of an IEEE binary32. Rounding adds `0x7FFF + lsb` to the 32-bit
/// pattern before truncating, where `lsb` is bit 16 (the last kept bit), which rounds ties to
/// even; overflow of the largest finite values carries into the exponent and gives ±inf, as
/// IEEE requires. NaN keeps its sign and top payload bits and is forced quiet (bit 6 set) so
/// that a signalling NaN whose payload lives only in the dropped bits does not become inf.
/// Matches PyTorch's `float.to(torch.bfloat16)` (checked by the safetensors golden fixture).
@inlinable
public func bf16Bits(_ x: Float) -> UInt16 {
  let bits = x.bitPattern
  if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
  let lsb = (bits >> 16) & 1
  return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ lsb) >> 16)
}

/// The Float whose top 16 bits are `b` (exact: every bf16 value is a Float).
@inlinable
public func floatFromBF16Bits(_ b: UInt16) -> Float {
  Float(bitPattern: UInt32(b) << 16)
}

/// The IEEE binary16 bit pattern nearest to `x` (round-to-nearest-even; overflow → ±inf,
/// tiny values → subnormals or ±0; NaN stays NaN). Uses Swift's `Float16`, which on x86-64
/// Linux lowers to F16C `vcvtps2ph` or compiler-rt's `__truncsfhf2`, both IEEE-exact.
@inlinable
public func f16Bits(_ x: Float) -> UInt16 {
  Float16(x).bitPattern
}

/// The Float equal to the binary16 value with bit pattern `b` (exact, subnormals included).
@inlinable
public func floatFromF16Bits(_ b: UInt16) -> Float {
  Float(Float16(bitPattern: b))
}
