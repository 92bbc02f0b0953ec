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
/// tiny values → subnormals or ±0; NaN → quiet NaN with its sign).
///
/// Bit manipulation after F. Giesen's `float_to_half_fast3_rtne` (public domain): normal
/// results rebias the exponent and round the 13 dropped mantissa bits by adding
/// 0xFFF + (kept lsb); subnormal results are rounded by the FPU: adding 0.5, whose ulp 2⁻²⁴ is
/// the half-subnormal lsb, leaves the rounded half mantissa in the low bits. Portable (no
/// `Float16`, which Intel macOS lacks); tested bit-exact against Swift's `Float16`.
@inlinable
public func f16Bits(_ x: Float) -> UInt16 {
  var u = x.bitPattern
  let sign = UInt16(truncatingIfNeeded: (u >> 16) & 0x8000)
  u &= 0x7FFF_FFFF
  if u >= 0x4780_0000 {  // |x| ≥ 2^16: inf, or NaN
    return sign | (u > 0x7F80_0000 ? 0x7E00 : 0x7C00)
  }
  if u < 0x3880_0000 {  // |x| < 2^-14: half subnormal or zero
    let magic = Float(bitPattern: 0x3F00_0000)  // 0.5: its ulp (2^-24) is the half subnormal lsb
    let r = (Float(bitPattern: u) + magic).bitPattern &- magic.bitPattern
    return sign | UInt16(truncatingIfNeeded: r)
  }
  let odd = (u >> 13) & 1
  u = u &- 0x3800_0000 &+ 0xFFF &+ odd  // rebias 127 → 15, round to nearest even
  return sign | UInt16(truncatingIfNeeded: u >> 13)
}

/// The Float equal to the binary16 value with bit pattern `b` (exact, subnormals included).
///
/// After F. Giesen's `half_to_float` (public domain): shift the exponent and mantissa into
/// place and rebias; inf/NaN get the extra exponent offset; subnormals are normalised by one
/// exact float subtraction.
@inlinable
public func floatFromF16Bits(_ b: UInt16) -> Float {
  var u = UInt32(b & 0x7FFF) << 13
  let exponent = u & 0x0F80_0000
  u &+= 0x3800_0000  // rebias 15 → 127
  if exponent == 0x0F80_0000 {
    u &+= 0x3800_0000  // inf / NaN: exponent all ones
  } else if exponent == 0 {
    u &+= 0x0080_0000
    u = (Float(bitPattern: u) - Float(bitPattern: 0x3880_0000)).bitPattern  // minus 2^-14
  }
  return Float(bitPattern: u | UInt32(b & 0x8000) << 16)
}
