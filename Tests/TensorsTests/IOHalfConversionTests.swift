// bf16 / f16 <-> Float conversions against naive references.

import Testing

@testable import TensorFiles
@testable import Tensors

/// Naive oracle for bf16 rounding: pick the nearer of the two bf16 neighbours of x, measured
/// exactly in Double; on a tie pick the one with an even last bit.
private func referenceBF16Bits(_ x: Float) -> UInt16 {
  let down = UInt16(truncatingIfNeeded: x.bitPattern >> 16)  // truncation toward zero
  if x.bitPattern & 0xFFFF == 0 { return down }
  let up = down &+ 1  // next magnitude (may become inf)
  let dx = abs(Double(x) - Double(floatFromBF16Bits(down)))
  let ux = floatFromBF16Bits(up)
  let du = ux.isInfinite ? Double.infinity : abs(Double(ux) - Double(x))
  if ux.isInfinite {
    // IEEE: overflow iff |x| ≥ max bf16 + half an ulp (2^127 · (2 − 2^-8)).
    let limit = Double(floatFromBF16Bits(0x7F7F)) + 0x1p119
    return abs(Double(x)) >= limit ? up : down
  }
  if dx < du { return down }
  if du < dx { return up }
  return down & 1 == 0 ? down : up
}

@Test func bf16MatchesNaiveRoundingOnRandomAndEdgeBits() {
  var s = RandomStream(seed: 1, name: "bf16-test")
  var patterns: [UInt32] = (0..<200_000).map { _ in s.nextUInt32() }
  for hi: UInt32 in [0x0000, 0x0001, 0x3F80, 0x3F81, 0x7F7F, 0x7F7E, 0x8000, 0xFF7F] {
    for lo: UInt32 in [0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF] {
      patterns.append(hi << 16 | lo)
    }
  }
  var mismatches = 0
  for p in patterns {
    let x = Float(bitPattern: p)
    if x.isNaN { continue }
    if bf16Bits(x) != referenceBF16Bits(x) { mismatches += 1 }
  }
  #expect(mismatches == 0)
  #expect(bf16Bits(1.00390625) == 0x3F80)  // tie, even kept bit: down
  #expect(bf16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd kept bit: up
  #expect(bf16Bits(.greatestFiniteMagnitude) == 0x7F80)  // rounds to +inf
}

@Test func bf16ExactValuesRoundTripAndNaNStaysNaN() {
  for b in 0...UInt16.max {
    let x = floatFromBF16Bits(b)
    if x.isNaN {
      #expect(bf16Bits(x) == b | 0x0040)  // quieted, sign and payload kept
    } else {
      #expect(bf16Bits(x) == b)
    }
  }
  // A signalling NaN whose payload sits only in the dropped bits stays NaN (not inf).
  let snan = Float(bitPattern: 0x7F80_0001)
  #expect(floatFromBF16Bits(bf16Bits(snan)).isNaN)
  #expect(floatFromBF16Bits(bf16Bits(-Float.nan)).sign == .minus)
}

@Test func f16ExactValuesRoundTrip() {
  for b in 0...UInt16.max {
    let x = floatFromF16Bits(b)
    if x.isNaN {
      #expect(floatFromF16Bits(f16Bits(x)).isNaN)
    } else {
      #expect(f16Bits(x) == b)
    }
  }
  #expect(f16Bits(70000) == 0x7C00)  // overflow → inf
  #expect(f16Bits(65519) == 0x7BFF)  // below the rounding boundary: max finite
  #expect(f16Bits(65520) == 0x7C00)  // boundary ties to even → inf
  #expect(f16Bits(0x1p-25) == 0)  // half the smallest subnormal: tie to even → 0
  #expect(f16Bits(0x1.8p-25) == 1)
  #expect(floatFromF16Bits(0x0001) == 0x1p-24)
}

/// The portable f16 conversions agree bit for bit with Swift's `Float16` (IEEE conversions
/// by the compiler): exhaustively for half → float, and for float → half on every float whose
/// low 13 bits are one of the rounding-sensitive patterns plus 10⁶ random floats.
@Test func f16MatchesSwiftFloat16() {
  var mismatches = 0
  for b in 0...UInt16.max {
    let mine = floatFromF16Bits(b)
    let swift = Float(Float16(bitPattern: b))
    if mine.isNaN ? !swift.isNaN : mine.bitPattern != swift.bitPattern { mismatches += 1 }
  }
  var s = RandomStream(seed: 2, name: "f16-test")
  var patterns = (0..<1_000_000).map { _ in s.nextUInt32() }
  for hi in stride(from: UInt32(0), to: 1 << 19, by: 7) {
    for lo: UInt32 in [0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF] { patterns.append(hi << 13 | lo) }
  }
  for p in patterns {
    let x = Float(bitPattern: p)
    let mine = f16Bits(x)
    let swift = Float16(x).bitPattern
    if x.isNaN ? !Float16(bitPattern: mine).isNaN : mine != swift { mismatches += 1 }
  }
  #expect(mismatches == 0)
}

/// The vectorised, parallel buffer rounding (`BF16Kernels.round`, used for the operands of
/// bf16 convolutions and products) against the scalar `bf16Bits`, bit for bit: random bit
/// patterns (NaNs and infinities included), ties, and a count that is no multiple of the
/// vector width or the parallel grain.
@Test func bf16BufferRoundingMatchesScalar() {
  var s = RandomStream(seed: 2, name: "bf16-buffer")
  var patterns: [UInt32] = (0..<300_007).map { _ in s.nextUInt32() }
  patterns += [
    0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0x7F80_0001, 0xFFFF_FFFF, 0x3F80_8000,
    0x3F81_8000, 0x7F7F_FFFF, 0x0000_8000, 0x8000_0000,
  ]
  let source = patterns.map { Float(bitPattern: $0) }
  var rounded = [UInt16](repeating: 0, count: source.count)
  source.withUnsafeBufferPointer { src in
    rounded.withUnsafeMutableBufferPointer { dst in
      BF16Kernels.round(src.baseAddress!, into: dst.baseAddress!, count: src.count)
    }
  }
  let mismatches = zip(source, rounded).filter { bf16Bits($0.0) != $0.1 }.count
  #expect(mismatches == 0)
  #expect(rounded.suffix(10).contains(0x7FC0))  // a NaN stays a (quiet) NaN
}

/// Column sums of a bf16 matrix (the bf16 linear layer's bias gradient): within fp32 rounding
/// of a Double sum of the bf16 values, and the same bits for 1 and 3 threads. 3,001 rows of 13
/// and of 16 columns: several row chunks, a vector tail.
@Test(arguments: [13, 16]) func bf16ColumnSums(cols: Int) {
  var s = RandomStream(seed: 5, name: "bf16-column-sums")
  let rows = 3_001
  let source = (0..<(rows * cols)).map { _ in bf16Bits(Float(s.nextUInt32() % 20_001) / 1_000 - 10)
  }
  func run() -> [Float] {
    var sums = [Float](repeating: .nan, count: cols)
    source.withUnsafeBufferPointer { src in
      sums.withUnsafeMutableBufferPointer { out in
        BF16Kernels.sumColumns(src.baseAddress!, rows: rows, cols: cols, into: out.baseAddress!)
      }
    }
    return sums
  }
  let sums = run()
  for j in 0..<cols {
    let exact = (0..<rows).reduce(0.0) { $0 + Double(floatFromBF16Bits(source[$1 * cols + j])) }
    #expect(abs(Double(sums[j]) - exact) <= 1e-3 * max(1, abs(exact)), "column \(j)")
  }
  let one = Parallel.withThreadCount(1) { run() }
  let three = Parallel.withThreadCount(3) { run() }
  #expect(one == three)
}
