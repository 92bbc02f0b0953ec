// RandomStream against an independent pure-Python implementation.

import Testing

@testable import Tensors

struct GoldenStream: Sendable {
  var seed: UInt64
  var name: String
  var start: UInt64
  var words: [UInt32]
  var uniforms: [Float]
  var normals: [Double]
}

/// Printed by scripts/reference/philox_fixtures.py (pure Python: Philox4x32-10, SplitMix64,
/// FNV-1a, the counter layout and Box–Muller in float64). The third stream starts two blocks
/// before 2³², so its fill crosses the carry into the counter's second word.
let goldenStreams: [GoldenStream] = [
  GoldenStream(
    seed: 0, name: "sample", start: 0,
    words: [
      0xAA16_5424, 0x78A0_BFE6, 0xEA3F_6C6C, 0xCBD3_C0E0, 0x1F43_CE06, 0x7911_DCC0, 0x4345_1D46,
      0xB73E_545A,
    ],
    uniforms: [
      0.6644032001495361, 0.4712027907371521, 0.9150302410125732, 0.7961997985839844,
      0.12212836742401123, 0.4729287624359131, 0.262773334980011, 0.7157948017120361,
    ],
    normals: [
      -0.88952315505660284, 0.16272844404941614, 0.12062028696446417, -0.4037907181017687,
      -2.0211046901701635, 0.34713116556098128, -0.34867195047598132, -1.5972959470521437,
      -0.044427283827824932, -1.796439507728629, 0.035779287733566909, -1.1268753690834368,
    ]),
  GoldenStream(
    seed: 42, name: "noise", start: 7,
    words: [
      0xC876_FDDE, 0xE623_06C3, 0xEFF3_808A, 0xD40F_858C, 0x2C6C_A0FB, 0x38EA_D43D, 0x032B_4BA8,
      0xC74D_0ED3,
    ],
    uniforms: [
      0.7830656170845032, 0.8989719152450562, 0.9373092651367188, 0.8283618092536926,
      0.17353248596191406, 0.22233319282531738, 0.012379348278045654, 0.7785195112228394,
    ],
    normals: [
      0.56311141017210398, -0.41470827843470426, 0.17009876907000068, -0.31709661980690085,
      0.32370979165268948, 1.8433643698761895, 0.5282355142867049, -2.9162319736712905,
      2.1028147096850551, 1.2992328632805428, -2.2710750220994669, -0.66037027814260552,
    ]),
  GoldenStream(
    seed: .max, name: "data 字", start: (1 << 32) - 2,
    words: [
      0xE06F_CA79, 0x47FE_83B5, 0x8C04_4A14, 0xF3E3_2763, 0xF624_FADF, 0x8DEE_4E62, 0x227B_7B45,
      0x73F5_CEC4,
    ],
    uniforms: [
      0.8767057657241821, 0.2812272906303406, 0.5469404458999634, 0.9526848196983337,
      0.9615017175674438, 0.5544174909591675, 0.13469666242599487, 0.45296943187713623,
    ],
    normals: [
      -0.10000926693176664, 0.50315573943745251, 1.0503688191430316, -0.32180093050016079,
      -0.26398998028101783, -0.093952230178098783, -1.915573203663326, 0.58312808524110393,
      -0.77644554376380115, 0.67223365153306025, -1.8110863274572502, -0.82612498102037701,
    ]),
]

@Test(arguments: goldenStreams)
func streamMatchesIndependentReference(_ g: GoldenStream) {
  var s = RandomStream(seed: g.seed, name: g.name)
  s.position = g.start
  #expect((0..<8).map { _ in s.nextUInt32() } == g.words)
  s.position = g.start
  #expect(s.uniforms(8) == g.uniforms)  // exact: every uniform is k · 2⁻²⁴
  s.position = g.start
  let z = s.normals(12)
  #expect(s.position == g.start + 3)
  // Float Box–Muller (ln ≤ 1 ulp, sin/cos ≤ 2 ulp) against float64: within 4 ulp of the value.
  for (mine, ref) in zip(z, g.normals) {
    #expect(abs(Double(mine) - ref) <= 4 * Double(Float(ref).ulp), "\(mine) vs \(ref)")
  }
}
