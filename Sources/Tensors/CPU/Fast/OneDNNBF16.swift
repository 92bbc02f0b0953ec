/// bf16 emulation for CPUs where oneDNN has no fast bf16 kernel (AVX2 without
/// AVX512-BF16/AMX; oneDNN 2.6 offers only `ref:any` loops there, or nothing).
///
/// A bf16 product with fp32 accumulation multiplies operands that are exactly
/// representable in bf16; the product of two bf16 values is exact in fp32. So rounding each
/// operand to bf16 (round-to-nearest-even, as oneDNN's fp32→bf16 reorder does) and running
/// the fp32 kernel gives the bf16 result up to the order of the fp32 sums.

/// x rounded to the nearest bfloat16 (ties to even), returned as fp32. NaN stays NaN.
@inline(__always) func oneDNNRoundToBF16(_ x: Float) -> Float {
  if x.isNaN { return x }
  let bits = x.bitPattern
  let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
  return Float(bitPattern: rounded & 0xFFFF_0000)
}

/// A temporary fp32 copy of `count` values rounded to bf16; freed on deinit.
final class OneDNNBF16Copy {
  let pointer: UnsafeMutablePointer<Float>
  let count: Int

  init(_ source: UnsafePointer<Float>, count: Int) {
    self.count = count
    pointer = .allocate(capacity: count)
    for i in 0..<count { pointer[i] = oneDNNRoundToBF16(source[i]) }
  }

  /// From an operand: fp32 values are rounded, bf16 ones widened (exactly).
  init(_ source: OneDNNOperand, count: Int) {
    self.count = count
    pointer = .allocate(capacity: count)
    if source.isBF16 {
      let s = source.pointer.assumingMemoryBound(to: UInt16.self)
      for i in 0..<count { pointer[i] = floatFromBF16Bits(s[i]) }
    } else {
      let s = source.pointer.assumingMemoryBound(to: Float.self)
      for i in 0..<count { pointer[i] = oneDNNRoundToBF16(s[i]) }
    }
  }

  deinit { pointer.deallocate() }
}
