// Philox4x32-10 known-answer tests.

import Testing

@testable import Tensors

/// Random123 `tests/kat_vectors`, the three "philox4x32 10" lines (counter[4] key[2] →
/// output[4]); the same triples appear in TensorFlow's Philox tests.
@Test(arguments: [
  (
    SIMD4<UInt32>(0, 0, 0, 0), SIMD2<UInt32>(0, 0),
    SIMD4<UInt32>(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)
  ),
  (
    SIMD4<UInt32>(repeating: 0xffff_ffff), SIMD2<UInt32>(repeating: 0xffff_ffff),
    SIMD4<UInt32>(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)
  ),
  (
    SIMD4<UInt32>(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
    SIMD2<UInt32>(0xa409_3822, 0x299f_31d0),
    SIMD4<UInt32>(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)
  ),
])
func philoxKnownAnswers(counter: SIMD4<UInt32>, key: SIMD2<UInt32>, expected: SIMD4<UInt32>) {
  #expect(Philox4x32(key: key).block(counter) == expected)
}

/// SplitMix64 from seed 1234567: the first outputs of Vigna's splitmix64.c, whose state
/// advances by 0x9E3779B97F4A7C15 before each output.
@Test func splitMix64MatchesReference() {
  let golden: [UInt64] = [
    6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
  ]
  #expect(splitMix64(0) == 0xE220_A839_7B1D_CDAF)
  var state: UInt64 = 1_234_567
  for g in golden {
    #expect(splitMix64(state) == g)
    state &+= 0x9E37_79B9_7F4A_7C15
  }
}

/// FNV-1a 64 test vectors from the reference (Fowler/Noll/Vo, `test_fnv.c`).
@Test func fnv1a64MatchesReference() {
  #expect(fnv1a64("") == 0xcbf2_9ce4_8422_2325)
  #expect(fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
  #expect(fnv1a64("foobar") == 0x8594_4171_f739_67e8)
}
