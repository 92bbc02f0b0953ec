// Philox4x32-10: the counter-based block function under every random stream.

/// Philox4x32 with 10 rounds (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy
/// as 1, 2, 3", SC 2011; reference code: Random123 `philox.h`).
///
/// A keyed bijection of 128-bit counters: `block(c)` for c = 0, 1, 2, … is the random stream,
/// and any block can be computed without the ones before it. One round, with
/// M0 = 0xD2511F53, M1 = 0xCD9E8D57 and (hi, lo) the 64-bit product halves:
///
///     (hi0, lo0) = M0 · c0,  (hi1, lo1) = M1 · c2
///     c' = (hi1 ^ c1 ^ k0,  lo1,  hi0 ^ c3 ^ k1,  lo0)
///
/// and between rounds the key advances by the Weyl constants (k0 += 0x9E3779B9,
/// k1 += 0xBB67AE85). Checked against Random123's `kat_vectors` in the tests.
public struct Philox4x32: Sendable, Equatable {
  public static let multipliers: (UInt32, UInt32) = (0xD251_1F53, 0xCD9E_8D57)
  public static let weyl: (UInt32, UInt32) = (0x9E37_79B9, 0xBB67_AE85)
  public static let rounds = 10

  public let key: SIMD2<UInt32>

  public init(key: SIMD2<UInt32>) { self.key = key }

  /// The 4 output words for `counter`.
  @inlinable
  public func block(_ counter: SIMD4<UInt32>) -> SIMD4<UInt32> {
    var c0 = counter[0]
    var c1 = counter[1]
    var c2 = counter[2]
    var c3 = counter[3]
    var k0 = key[0]
    var k1 = key[1]
    for r in 0..<Self.rounds {
      if r > 0 {
        k0 &+= 0x9E37_79B9
        k1 &+= 0xBB67_AE85
      }
      let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
      let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
      let hi0 = UInt32(truncatingIfNeeded: p0 >> 32)
      let lo0 = UInt32(truncatingIfNeeded: p0)
      let hi1 = UInt32(truncatingIfNeeded: p1 >> 32)
      let lo1 = UInt32(truncatingIfNeeded: p1)
      c0 = hi1 ^ c1 ^ k0
      c1 = lo1
      c2 = hi0 ^ c3 ^ k1
      c3 = lo0
    }
    return SIMD4(c0, c1, c2, c3)
  }
}

extension Philox4x32 {
  /// Eight independent blocks at once, lane j computing `block((c0[j], c1[j], c2[j], c3[j]))`
  /// (the same rounds as `block`, on SIMD lanes; the 32×32→64 products map to `pmuludq`).
  @inlinable
  public func blocks8(
    _ counter0: SIMD8<UInt32>, _ counter1: SIMD8<UInt32>, _ counter2: SIMD8<UInt32>,
    _ counter3: SIMD8<UInt32>
  ) -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
    var c0 = counter0
    var c1 = counter1
    var c2 = counter2
    var c3 = counter3
    var k0 = SIMD8<UInt32>(repeating: key[0])
    var k1 = SIMD8<UInt32>(repeating: key[1])
    for r in 0..<Self.rounds {
      if r > 0 {
        k0 &+= 0x9E37_79B9
        k1 &+= 0xBB67_AE85
      }
      let p0 = SIMD8<UInt64>(truncatingIfNeeded: c0) &* 0xD251_1F53
      let p1 = SIMD8<UInt64>(truncatingIfNeeded: c2) &* 0xCD9E_8D57
      let hi0 = SIMD8<UInt32>(truncatingIfNeeded: p0 &>> 32)
      let lo0 = SIMD8<UInt32>(truncatingIfNeeded: p0)
      let hi1 = SIMD8<UInt32>(truncatingIfNeeded: p1 &>> 32)
      let lo1 = SIMD8<UInt32>(truncatingIfNeeded: p1)
      c0 = hi1 ^ c1 ^ k0
      c1 = lo1
      c2 = hi0 ^ c3 ^ k1
      c3 = lo0
    }
    return (c0, c1, c2, c3)
  }
}

/// SplitMix64's output function (Steele, Lea & Flood 2014; constants from Vigna's
/// `splitmix64.c`): a bijection of UInt64 with good avalanche.
@inlinable
func splitMix64(_ x: UInt64) -> UInt64 {
  var z = x &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// 64-bit FNV-1a of the UTF-8 bytes of `s` (offset basis 0xcbf29ce484222325,
/// prime 0x100000001b3).
func fnv1a64(_ s: String) -> UInt64 {
  var h: UInt64 = 0xCBF2_9CE4_8422_2325
  for b in s.utf8 {
    h ^= UInt64(b)
    h &*= 0x0000_0100_0000_01B3
  }
  return h
}
