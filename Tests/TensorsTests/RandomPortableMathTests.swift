// PortableMath (libm-free ln, sin/cos 2πv) against Double-precision libm.

import Foundation
import Testing

@testable import Tensors

/// |f − ref| in units of the last place of Float(ref); references within 1e-12 of zero
/// (sin 2π·½ in Double) count as exact zeros.
private func ulpError(_ f: Float, _ ref: Double) -> Double {
  if abs(ref) < 1e-12 { return abs(Double(f) - ref) < 1e-12 ? 0 : .infinity }
  return abs(Double(f) - ref) / Double(Float(ref).ulp)
}

/// Inputs as Box–Muller forms them: k · 2⁻²⁴ (every 61st k, plus both ends and quadrant
/// boundaries). Over all 2²⁴ inputs (release build, /tmp bench) the worst errors were
/// 0.83 ulp for ln and 1.58 ulp for sin and cos.
private let ks: [Int] =
  Array(stride(from: 0, to: 1 << 24, by: 61))
  + [1, 2, 3, (1 << 22) - 1, 1 << 22, (1 << 22) + 1, 1 << 23, 3 << 22, (1 << 24) - 1, 1 << 24]

@Test func portableLogWithinOneUlp() {
  var worst = 0.0
  for group in stride(from: 0, to: ks.count, by: 8) {
    var u = SIMD8<Float>(repeating: 1)
    for j in 0..<min(8, ks.count - group) { u[j] = Float(max(ks[group + j], 1)) * 0x1p-24 }
    let l = PortableMath.log(u)
    for j in 0..<8 { worst = max(worst, ulpError(l[j], Foundation.log(Double(u[j])))) }
  }
  #expect(worst <= 1.0, "worst \(worst) ulp")
  #expect(PortableMath.log(SIMD8(repeating: 1)) == SIMD8(repeating: 0))
}

@Test func portableSinCosWithinTwoUlp() {
  var worstSin = 0.0
  var worstCos = 0.0
  for group in stride(from: 0, to: ks.count, by: 8) {
    var k = SIMD8<UInt32>()
    for j in 0..<min(8, ks.count - group) { k[j] = UInt32(ks[group + j] & 0xFF_FFFF) }
    let (s, c) = PortableMath.sinCos2Pi(k)
    for j in 0..<8 {
      let x = 2 * Double.pi * Double(k[j]) * 0x1p-24
      worstSin = max(worstSin, ulpError(s[j], sin(x)))
      worstCos = max(worstCos, ulpError(c[j], cos(x)))
    }
  }
  #expect(worstSin <= 2 && worstCos <= 2, "sin \(worstSin), cos \(worstCos) ulp")
  let (s, c) = PortableMath.sinCos2Pi(SIMD8(0, 1 << 22, 2 << 22, 3 << 22, 1 << 21, 0, 0, 0))
  #expect(s[0] == 0 && s[1] == 1 && s[2] == 0 && s[3] == -1)
  #expect(c[0] == 1 && c[1] == 0 && c[2] == -1 && c[3] == 0)
  #expect(abs(s[4] - c[4]) <= Float(0.5).squareRoot().ulp)
}

/// The SIMD Philox agrees with the scalar one lane by lane (including the carry into the
/// second counter word).
@Test func philoxBlocks8MatchesScalarBlocks() {
  let p = Philox4x32(key: SIMD2(0xA409_3822, 0x299F_31D0))
  let c0 = SIMD8<UInt32>(0xFFFF_FFFC, 0xFFFF_FFFD, 0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1, 2, 3)
  let c1 = SIMD8<UInt32>(7, 7, 7, 7, 8, 8, 8, 8)
  let c2 = SIMD8<UInt32>(repeating: 0x1319_8A2E)
  let c3 = SIMD8<UInt32>(repeating: 0x0370_7344)
  let w = p.blocks8(c0, c1, c2, c3)
  for j in 0..<8 {
    #expect(p.block(SIMD4(c0[j], c1[j], c2[j], c3[j])) == SIMD4(w.0[j], w.1[j], w.2[j], w.3[j]))
  }
  let s = RandomStream(seed: 1, name: "carry")
  let b = s.blocks8(from: 0xFFFF_FFFC)
  for j in 0..<8 {
    #expect(s.block(at: 0xFFFF_FFFC + UInt64(j)) == SIMD4(b.0[j], b.1[j], b.2[j], b.3[j]))
  }
}
