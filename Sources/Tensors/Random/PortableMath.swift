// libm-free ln and sin/cos for Box–Muller: the same bits on every platform.

/// Lane-wise ln and sin/cos(2πv) built from IEEE +, −, ×, ÷ and integer bit operations only,
/// so results are bit-identical on any IEEE-754 machine (Swift does not contract a·b + c into
/// FMA, and these functions use no libm). Accuracy, measured against Double libm over every
/// input Box–Muller can produce, is in the tests.
@usableFromInline
enum PortableMath {
  /// ln(u) for normal positive u (Box–Muller uses u ∈ [2⁻²⁴, 1]).
  ///
  /// The algorithm of FreeBSD/musl `logf` (Sun Microsystems' e_logf.c, freely usable):
  /// u = 2^k · m with m ∈ [√½, √2) (subtract the bits of √½, take the exponent, add them back),
  /// f = m − 1 (exact), s = f / (2 + f), ln m = f − f²/2 + s·(f²/2 + R(s²)) with the minimax
  /// R = Lg1·z + Lg2·z² + Lg3·z³ + Lg4·z⁴ (z = s²), and ln 2 split in hi + lo.
  @inlinable
  static func log(_ u: SIMD8<Float>) -> SIMD8<Float> {
    let sqrtHalfBits: UInt32 = 0x3F35_04F3
    let t = unsafeBitCast(u, to: SIMD8<UInt32>.self) &- sqrtHalfBits
    let k = SIMD8<Float>(unsafeBitCast(t, to: SIMD8<Int32>.self) &>> 23)
    let m = unsafeBitCast((t & 0x007F_FFFF) &+ sqrtHalfBits, to: SIMD8<Float>.self)
    let f = m - 1
    let s = f / (f + 2)
    let z = s * s
    let w = z * z
    let t1 = w * (0x1.999C26p-2 + w * 0x1.F13C4Cp-3)  // w·(Lg2 + w·Lg4)
    let t2 = z * (0x1.555554p-1 + w * 0x1.23D3DCp-2)  // z·(Lg1 + w·Lg3)
    let hfsq = 0.5 * f * f
    let ln2Hi: Float = 0x1.62E3p-1  // 0x3F317180
    let ln2Lo: Float = 0x1.2FEFA2p-17  // 0x3717F7D1
    return s * (hfsq + (t2 + t1)) + k * ln2Lo - hfsq + f + k * ln2Hi
  }

  /// (sin 2πv, cos 2πv) for v = k · 2⁻²⁴, k ∈ [0, 2²⁴).
  ///
  /// Exact integer reduction: q = ⌊(k + 2²¹) / 2²²⌋ (v to the nearest quarter turn), r =
  /// (k − q·2²²) · 2⁻²⁴ ∈ [−⅛, ⅛); Taylor series in r of sin 2πr to r¹¹ (2π split in hi + lo)
  /// and cos 2πr to r¹², truncation below 10⁻⁹; then rotate by the quadrant q mod 4 with bit
  /// operations (swap sin/cos for odd q, flip signs), avoiding slow generic SIMD masks.
  @inlinable
  static func sinCos2Pi(_ k: SIMD8<UInt32>) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
    let q = (k &+ (1 << 21)) &>> 22
    let r = SIMD8<Float>(unsafeBitCast(k &- (q &<< 22), to: SIMD8<Int32>.self)) * 0x1p-24
    let r2 = r * r
    // (−1)^n (2π)^(2n+1) / (2n+1)! for n = 5 … 1, rounded to Float.
    var sp = SIMD8<Float>(repeating: -0x1.E3075p+3)
    sp = sp * r2 + 0x1.507834p+5
    sp = sp * r2 - 0x1.32D2CCp+6
    sp = sp * r2 + 0x1.466BC6p+6
    sp = sp * r2 - 0x1.4ABBCEp+5
    let twoPiHi: Float = 0x1.921FB6p+2
    let twoPiLo: Float = -0x1.777A5Cp-23
    let sinr = r * twoPiHi + (r * twoPiLo + r * (r2 * sp))
    // (−1)^n (2π)^(2n) / (2n)! for n = 6 … 1.
    var cp = SIMD8<Float>(repeating: 0x1.F9D38Ap+2)
    cp = cp * r2 - 0x1.A6D1F2p+4
    cp = cp * r2 + 0x1.E1F506p+5
    cp = cp * r2 - 0x1.55D3C8p+6
    cp = cp * r2 + 0x1.03C1Fp+6
    cp = cp * r2 - 0x1.3BD3CCp+4
    let cosr = 1 + r2 * cp
    // sin(x + qπ/2), cos(x + qπ/2): q = 1 → (cos, −sin), 2 → (−sin, −cos), 3 → (−cos, sin).
    let quadrant = q & 3
    let swap = 0 &- (quadrant & 1)  // all ones for odd q
    let sb = unsafeBitCast(sinr, to: SIMD8<UInt32>.self)
    let cb = unsafeBitCast(cosr, to: SIMD8<UInt32>.self)
    let sinSign = (quadrant &>> 1) &<< 31
    let cosSign = ((quadrant ^ (quadrant &>> 1)) & 1) &<< 31
    let s = ((sb & ~swap) | (cb & swap)) ^ sinSign
    let c = ((cb & ~swap) | (sb & swap)) ^ cosSign
    return (unsafeBitCast(s, to: SIMD8<Float>.self), unsafeBitCast(c, to: SIMD8<Float>.self))
  }
}
