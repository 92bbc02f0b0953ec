// RandomStream: identity, independence, resumption, fills, distributions.

import Foundation
import Testing

@testable import Tensors

private func draws(_ s: inout RandomStream, _ n: Int) -> [UInt32] {
  (0..<n).map { _ in s.nextUInt32() }
}

@Test func streamIsAPureFunctionOfSeedNameAndPosition() {
  var a = RandomStream(seed: 7, name: "noise")
  var b = RandomStream(seed: 7, name: "noise")
  #expect(draws(&a, 1000) == draws(&b, 1000))
  #expect(a == b)
  // Words come from blocks (tag = splitMix64(fnv1a64(name))) in order.
  let c = RandomStream(seed: 7, name: "noise")
  let tag = splitMix64(fnv1a64("noise"))
  let k = splitMix64(7)
  let philox = Philox4x32(
    key: SIMD2(UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32)))
  let block5 = philox.block(
    SIMD4(5, 0, UInt32(truncatingIfNeeded: tag), UInt32(truncatingIfNeeded: tag >> 32)))
  #expect(c.block(at: 5) == block5)
  var d = c
  d.position = 5
  #expect(draws(&d, 4) == [block5[0], block5[1], block5[2], block5[3]])
  #expect(d.position == 6)
}

@Test func differentNamesAndSeedsGiveDifferentStreams() {
  let names = ["data", "noise", "timestep", "dropout", "sample", "Data", ""]
  var firsts = Set<[UInt32]>()
  for seed: UInt64 in [0, 1, 2, .max] {
    for name in names {
      var s = RandomStream(seed: seed, name: name)
      firsts.insert(draws(&s, 8))
    }
  }
  #expect(firsts.count == 4 * names.count)
}

@Test func positionSaveAndRestoreResumesExactly() throws {
  var s = RandomStream(seed: 42, name: "data")
  _ = draws(&s, 10)
  _ = s.normals(33)  // a fill: ends on a block boundary
  let saved = s.position
  let expected = (draws(&s, 9), s.uniforms(17), s.nextInt(below: 1000))
  var r = RandomStream(seed: 42, name: "data")
  r.position = saved
  #expect(draws(&r, 9) == expected.0)
  #expect(r.uniforms(17) == expected.1)
  #expect(r.nextInt(below: 1000) == expected.2)
  #expect(r == s)
}

@Test func codableRoundTripResumesMidBlock() throws {
  var s = RandomStream(seed: 3, name: "timestep")
  _ = draws(&s, 7)  // 3 words of block 1 used
  let json = try JSONEncoder().encode(s)
  var t = try JSONDecoder().decode(RandomStream.self, from: json)
  #expect(t == s)
  #expect(draws(&t, 20) == draws(&s, 20))
  var big = RandomStream(seed: .max, name: "字")
  big.position = .max - 1
  _ = big.nextUInt32()
  #expect(try JSONDecoder().decode(RandomStream.self, from: JSONEncoder().encode(big)) == big)
  let bad = #"{"seed":3,"name":"x","position":0,"lane":2}"#
  #expect(throws: DecodingError.self) {
    try JSONDecoder().decode(RandomStream.self, from: Data(bad.utf8))
  }
}

@Test func fillsStartAtAFreshBlockAndMapElementsToBlocks() {
  var s = RandomStream(seed: 9, name: "fill")
  _ = s.nextUInt32()  // partly uses block 0
  #expect(s.position == 1)
  let u = s.uniforms(10)
  #expect(s.position == 4)  // blocks 1, 2, 3
  for i in 0..<10 {
    #expect(u[i] == Float(s.block(at: 1 + UInt64(i / 4))[i % 4] >> 8) * 0x1p-24)
  }
  let z = s.normals(6)
  #expect(s.position == 6)
  for i in 0..<6 {
    #expect(z[i] == s.referenceNormal(element: i, startBlock: 4, mean: 0, std: 1))
  }
}

/// Parallel and serial fills agree bit for bit with each other and with the per-element
/// reference, for a size that is neither a multiple of 4 nor of the chunk size.
@Test func parallelNormalFillMatchesSerialAndReference() {
  let n = 3 * RandomStream.chunkElements + 4_321
  let start = RandomStream(seed: 5, name: "sample")
  var serial = [Float](repeating: .nan, count: n)
  var parallel = [Float](repeating: .nan, count: n)
  var a = start
  var b = start
  serial.withUnsafeMutableBufferPointer { a.fillNormal($0, mean: 0.5, std: 2, parallelAbove: .max) }
  parallel.withUnsafeMutableBufferPointer { b.fillNormal($0, mean: 0.5, std: 2, parallelAbove: 0) }
  #expect(serial.map(\.bitPattern) == parallel.map(\.bitPattern))
  #expect(a == b && a.position == UInt64((n + 3) / 4))
  var mismatches = 0
  for i in 0..<n
  where serial[i] != start.referenceNormal(element: i, startBlock: 0, mean: 0.5, std: 2) {
    mismatches += 1
  }
  #expect(mismatches == 0)
  // The public entry point (parallel above the threshold) gives the same numbers.
  var c = start
  var viaPublic = [Float](repeating: 0, count: n)
  viaPublic.withUnsafeMutableBufferPointer { c.fillNormal($0, mean: 0.5, std: 2) }
  #expect(viaPublic == serial)
  // And so does any thread count.
  for threads in [1, 3, 8] {
    var d = start
    let z = Parallel.withThreadCount(threads) { d.normals(n, mean: 0.5, std: 2) }
    #expect(z == serial, "\(threads) threads")
  }
}

/// 10⁶ standard normals (seed 2024, "noise"): with σ(mean) = 10⁻³, σ(var) ≈ 1.4·10⁻³ and
/// σ(kurtosis) ≈ 4.9·10⁻³, the bounds below are about 5σ; the tail fraction P(|z| > 2) =
/// 0.04550 has σ ≈ 2.1·10⁻⁴.
@Test func normalMomentsFor1e6Samples() {
  var s = RandomStream(seed: 2024, name: "noise")
  let z = s.normals(1_000_000)
  var (s1, s2, s4, tails) = (0.0, 0.0, 0.0, 0)
  z.withUnsafeBufferPointer { z in
    for x in z {
      let d = Double(x)
      s1 += d
      s2 += d * d
      s4 += d * d * d * d
      if abs(x) > 2 { tails += 1 }
    }
  }
  let n = Double(z.count)
  let mean = s1 / n
  let m2 = s2 / n - mean * mean
  let m4 = s4 / n  // about the origin: the mean is ≤ 0.005, so the bias is < 10⁻⁴
  let tail = Double(tails) / n
  #expect(abs(mean) < 0.005)
  #expect(abs(m2 - 1) < 0.007)
  #expect(abs(m4 / (m2 * m2) - 3) < 0.025)
  #expect(abs(tail - 0.0455) < 0.0011)
  #expect(z.allSatisfy { $0.isFinite && abs($0) <= 5.8 })
}

@Test func uniformsLieInHalfOpenUnitInterval() {
  var s = RandomStream(seed: 11, name: "u")
  let u = s.uniforms(1_000_000)
  #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
  let mean = u.reduce(0.0) { $0 + Double($1) } / Double(u.count)
  #expect(abs(mean - 0.5) < 0.0015)  // σ = 0.29 / 1000
  #expect(RandomStream.uniform(.max) == 1 - 0x1p-24)
  #expect(RandomStream.uniform(0) == 0)
  var t = RandomStream(seed: 11, name: "u")
  #expect((0..<1000).allSatisfy { _ in (0..<1).contains(t.nextUniform()) })
}

@Test func nextIntIsInRangeAndUnbiased() {
  var s = RandomStream(seed: 1, name: "int")
  // Chi-square over 10 buckets, 100 000 draws: 9 degrees of freedom, p = 0.001 at 27.9.
  var counts = [Int](repeating: 0, count: 10)
  for _ in 0..<100_000 { counts[s.nextInt(below: 10)] += 1 }
  let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - 10_000, 2) / 10_000 }
  #expect(chi2 < 27.9)
  // n = 3·2³⁰: `word % n` would put half the mass below 2³⁰; unbiased gives one third.
  let n = 3 << 30
  var low = 0
  for _ in 0..<30_000 {
    let v = s.nextInt(below: n)
    #expect((0..<n).contains(v))
    if v < 1 << 30 { low += 1 }
  }
  #expect(abs(Double(low) / 30_000 - 1.0 / 3) < 0.015)
  // Bounds above 2³² use 64 bits.
  let big = 1 << 40 + 12_345
  var above32 = 0
  for _ in 0..<1000 {
    let v = s.nextInt(below: big)
    #expect((0..<big).contains(v))
    if v > Int(UInt32.max) { above32 += 1 }
  }
  #expect(above32 > 900)
  #expect((0..<100).allSatisfy { _ in s.nextInt(below: 1) == 0 })
}

@Test func shuffleIsADeterministicUniformPermutation() {
  var a = Array(0..<50)
  var s = RandomStream(seed: 8, name: "data")
  s.shuffle(&a)
  #expect(a.sorted() == Array(0..<50) && a != Array(0..<50))
  var b = Array(0..<50)
  var t = RandomStream(seed: 8, name: "data")
  t.shuffle(&b)
  #expect(a == b)
  // Each of 4 elements lands first about 1/4 of the time over 20 000 shuffles (σ ≈ 61).
  var first = [Int](repeating: 0, count: 4)
  for _ in 0..<20_000 {
    var c = [0, 1, 2, 3]
    s.shuffle(&c)
    first[c[0]] += 1
  }
  #expect(first.allSatisfy { abs($0 - 5_000) < 300 })
  var empty: [Int] = []
  s.shuffle(&empty)
  #expect(empty.isEmpty)
}
