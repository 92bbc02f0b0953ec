import Testing

@testable import Tensors

#if canImport(Glibc)
  import Glibc
#endif

/// One matmul case; `bBatchStride` as in `OneDNN.matmul` (nil packed, 0 shared).
struct OneDNNMatmulCase: Sendable, CustomStringConvertible {
  var batch, m, n, k: Int
  var transposeA = false, transposeB = false
  var bBatchStride: Int? = nil
  var bias = false, accumulate = false

  var aCount: Int { batch * m * k }
  var bCount: Int { (batch - 1) * (bBatchStride ?? k * n) + k * n }
  var cCount: Int { batch * m * n }
  var description: String {
    "b\(batch) m\(m) n\(n) k\(k) tA\(transposeA) tB\(transposeB) sB\(bBatchStride.map(String.init) ?? "packed") bias\(bias) acc\(accumulate)"
  }

  func run(_ a: [Float], _ b: [Float], _ bias: [Float], c0: [Float], precision: Precision?)
    -> [Float]
  {
    var c = c0
    let biasArg: [Float]? = self.bias ? bias : nil
    if let precision {
      OneDNN.matmul(
        batch: batch, m: m, n: n, k: k, a: a, transposeA: transposeA, b: b,
        transposeB: transposeB, bBatchStride: bBatchStride, c: &c, bias: biasArg,
        accumulate: accumulate, precision: precision)
    } else {
      ReferenceKernels.matmul(
        batch: batch, m: m, n: n, k: k, a: a, transposeA: transposeA, b: b,
        transposeB: transposeB, bBatchStride: bBatchStride, c: &c, bias: biasArg,
        accumulate: accumulate)
    }
    return c
  }
}

let oneDNNMatmulCases: [OneDNNMatmulCase] = [
  OneDNNMatmulCase(batch: 1, m: 5, n: 7, k: 3),
  OneDNNMatmulCase(batch: 3, m: 4, n: 6, k: 5, transposeA: true, bias: true),
  OneDNNMatmulCase(batch: 2, m: 8, n: 3, k: 9, transposeB: true, accumulate: true),
  OneDNNMatmulCase(
    batch: 4, m: 6, n: 5, k: 7, transposeA: true, transposeB: true, bBatchStride: 0, bias: true,
    accumulate: true),
  OneDNNMatmulCase(batch: 3, m: 5, n: 4, k: 6, bBatchStride: 0, bias: true),
  OneDNNMatmulCase(batch: 2, m: 3, n: 4, k: 5, transposeB: true, bBatchStride: 45),
  OneDNNMatmulCase(batch: 2, m: 64, n: 48, k: 96, transposeB: true, bBatchStride: 0, bias: true),
  OneDNNMatmulCase(batch: 2, m: 33, n: 65, k: 17, transposeA: true, accumulate: true),
  OneDNNMatmulCase(batch: 1, m: 128, n: 96, k: 80, bias: true),
]

@Suite struct OneDNNMatmulTests {
  @Test(arguments: oneDNNMatmulCases)
  func f32MatchesReference(_ t: OneDNNMatmulCase) {
    let a = oneDNNTestValues(t.aCount, seed: 1)
    let b = oneDNNTestValues(t.bCount, seed: 2)
    let bias = oneDNNTestValues(t.n, seed: 3)
    let c0 = oneDNNTestValues(t.cCount, seed: 4)
    let fast = t.run(a, b, bias, c0: c0, precision: .f32)
    let ref = t.run(a, b, bias, c0: c0, precision: nil)
    let err = oneDNNRelativeError(fast, ref)
    #expect(err < 1e-4, "\(t): relative error \(err)")
  }

  /// bf16: 1e-4 against the reference on bf16-rounded A and B (bias and C stay fp32),
  /// 1.5e-2 against plain fp32.
  @Test(arguments: oneDNNMatmulCases)
  func bf16MatchesRoundedReference(_ t: OneDNNMatmulCase) {
    let a = oneDNNTestValues(t.aCount, seed: 5)
    let b = oneDNNTestValues(t.bCount, seed: 6)
    let bias = oneDNNTestValues(t.n, seed: 7)
    let c0 = oneDNNTestValues(t.cCount, seed: 8)
    let fast = t.run(a, b, bias, c0: c0, precision: .bf16)
    let rounded = t.run(
      oneDNNRoundedToBF16(a), oneDNNRoundedToBF16(b), bias, c0: c0, precision: nil)
    let err = oneDNNRelativeError(fast, rounded)
    #expect(err < 1e-4, "\(t): relative error vs rounded reference \(err)")
    let errF32 = oneDNNRelativeError(fast, t.run(a, b, bias, c0: c0, precision: nil))
    #expect(errF32 < 1.5e-2, "\(t): relative error vs fp32 reference \(errF32)")
  }

  /// Gaps between B matrices (bBatchStride > k·n) must be skipped, not read.
  @Test func stridedBIgnoresGap() {
    let t = OneDNNMatmulCase(batch: 2, m: 3, n: 4, k: 5, bBatchStride: 30)
    var b = oneDNNTestValues(t.bCount, seed: 9)
    let a = oneDNNTestValues(t.aCount, seed: 10)
    let before = t.run(a, b, [], c0: Array(repeating: 0, count: t.cCount), precision: .f32)
    for i in 20..<30 { b[i] = .nan }
    let after = t.run(a, b, [], c0: Array(repeating: 0, count: t.cCount), precision: .f32)
    #expect(before == after)
  }
}

@Suite struct OneDNNCPUFeaturesTests {
  @Test func roundingToBF16IsNearestEven() {
    #expect(oneDNNRoundToBF16(1.0) == 1.0)
    // 1 + 2⁻⁸ lies halfway between bf16 neighbours 1 and 1 + 2⁻⁷: ties to even → 1.
    #expect(oneDNNRoundToBF16(1 + 0x1p-8) == 1.0)
    // 1 + 3·2⁻⁸ is halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even) → 1 + 2⁻⁶.
    #expect(oneDNNRoundToBF16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
    #expect(oneDNNRoundToBF16(-2.5) == -2.5)
    #expect(oneDNNRoundToBF16(Float.nan).isNaN)
  }

  @Test func defaultPrecisionFollowsHardware() {
    if oneDNNEnvironment("GLYFFUSER_PRECISION") == nil {
      #expect(CPUFeatures.defaultPrecision == (CPUFeatures.bf16IsFast ? .bf16 : .f32))
    }
    // AVX-512 implies AVX2 on every x86 CPU that has it.
    #expect(!CPUFeatures.hasAVX512 || CPUFeatures.hasAVX2)
  }

  @Test func parsesCPUInfoFlags() throws {
    let path = "/tmp/glyffuser-cpuinfo-test-\(getpid())"
    let text =
      "processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n"
    let file = try #require(fopen(path, "w"))
    fputs(text, file)
    fclose(file)
    defer { unlink(path) }
    #expect(CPUFeatures.readCPUFlags(path: path) == ["fpu", "avx2", "avx512f", "amx_bf16"])
    #expect(CPUFeatures.readCPUFlags(path: "/nonexistent/cpuinfo").isEmpty)
  }
}
