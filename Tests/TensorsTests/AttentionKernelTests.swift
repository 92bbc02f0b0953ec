import Foundation
import Testing

@testable import Tensors

/// Fast fused kernels (`AttentionKernels`) against the naive oracle (`ReferenceAttention`).
@Suite struct AttentionKernelTests {
  /// Odd lengths (not multiples of the 8-wide vectors), Lq ≠ Lk,
  /// D not a multiple of 8, masked keys, and queries in several chunks (700 keys: 93 rows per
  /// chunk).
  static let cases: [(AttentionGeometry, Int?)] = [
    (AttentionGeometry(batch: 1, heads: 1, queryLength: 1, keyLength: 1, headDim: 1), nil),
    (AttentionGeometry(batch: 2, heads: 3, queryLength: 5, keyLength: 7, headDim: 12), 3),
    (AttentionGeometry(batch: 1, heads: 2, queryLength: 70, keyLength: 67, headDim: 8), nil),
    (AttentionGeometry(batch: 2, heads: 1, queryLength: 33, keyLength: 129, headDim: 20), 4),
    (AttentionGeometry(batch: 1, heads: 2, queryLength: 130, keyLength: 17, headDim: 32), 5),
    (AttentionGeometry(batch: 3, heads: 1, queryLength: 16, keyLength: 77, headDim: 3), 2),
    (
      AttentionGeometry(
        batch: 1, heads: 1, queryLength: 9, keyLength: 11, headDim: 64, scale: 0.3), nil
    ),
    (AttentionGeometry(batch: 2, heads: 2, queryLength: 200, keyLength: 700, headDim: 16), 6),
  ]

  @Test(arguments: 0..<cases.count)
  func fastMatchesReference(index: Int) {
    let (g, maskEvery) = Self.cases[index]
    let problem = AttentionProblem(g, seed: UInt64(100 + index), maskedEvery: maskEvery)
    let ref = problem.run(.reference)
    let fast = problem.run(.fast)
    #expect(attentionMismatch(fast.out, ref.out) <= 1, "out \(g)")
    #expect(attentionMismatch(fast.lse, ref.lse) <= 1, "logsumexp \(g)")
    #expect(attentionMismatch(fast.dq, ref.dq) <= 1, "dq \(g)")
    #expect(attentionMismatch(fast.dk, ref.dk) <= 1, "dk \(g)")
    #expect(attentionMismatch(fast.dv, ref.dv) <= 1, "dv \(g)")
  }

  /// Each output is written by one work item reducing in a fixed order, so 1, 2 and 3 threads
  /// must give the same bits.
  /// The second geometry takes several query chunks in the backward (`queriesSpanChunks`).
  @Test(arguments: [
    AttentionGeometry(batch: 2, heads: 2, queryLength: 150, keyLength: 90, headDim: 24),
    AttentionGeometry(batch: 1, heads: 3, queryLength: 130, keyLength: 600, headDim: 8),
  ])
  func threadCountDoesNotChangeBits(g: AttentionGeometry) {
    let problem = AttentionProblem(g, seed: 7, maskedEvery: 6)
    let serial = Parallel.withThreadCount(1) { problem.run(.fast) }
    for threads in [2, 3] {
      let parallel = Parallel.withThreadCount(threads) { problem.run(.fast) }
      #expect(parallel.out == serial.out)
      #expect(parallel.lse == serial.lse)
      #expect(parallel.dq == serial.dq)
      #expect(parallel.dk == serial.dk)
      #expect(parallel.dv == serial.dv)
    }
  }

  /// The multi-chunk geometries above really are: their queries do not fit one chunk.
  @Test func queriesSpanChunks() {
    #expect(AttentionKernels.chunkRows(keys: attnRoundUp(700, 8)) < 200)
    #expect(AttentionKernels.chunkRows(keys: attnRoundUp(600, 8)) < 130)
  }

  /// Batch element 1 has every key masked: its rows give 0 output, −∞ logsumexp and zero
  /// gradients in both kernels (PyTorch would give NaN); batch element 0 is unaffected.
  @Test func fullyMaskedRowsGiveZeros() {
    let g = AttentionGeometry(batch: 2, heads: 2, queryLength: 6, keyLength: 5, headDim: 8)
    var problem = AttentionProblem(g, seed: 11)
    problem.mask = [1, 0, 1, 1, 0] + [0, 0, 0, 0, 0]
    let half = g.queryElements / 2
    let halfK = g.keyElements / 2
    for kernel in [AttentionProblem.Kernel.reference, .fast] {
      let r = problem.run(kernel)
      #expect(r.out[half...].allSatisfy { $0 == 0 }, "\(kernel) out")
      #expect(r.dq[half...].allSatisfy { $0 == 0 }, "\(kernel) dq")
      #expect(r.dk[halfK...].allSatisfy { $0 == 0 }, "\(kernel) dk")
      #expect(r.dv[halfK...].allSatisfy { $0 == 0 }, "\(kernel) dv")
      #expect(r.lse[(g.rowCount / 2)...].allSatisfy { $0 == -.infinity }, "\(kernel) lse")
      #expect(r.out[..<half].allSatisfy { $0.isFinite && $0 != 0 }, "\(kernel) live rows")
      // Masked keys of the live batch element get no gradient.
      for j in [1, 4] {
        for c in 0..<(g.heads * g.headDim) {
          #expect(r.dk[j * g.heads * g.headDim + c] == 0)
        }
      }
    }
  }

  /// The oneDNN product wrapper against a plain triple loop: both transpositions, leading
  /// dimensions wider than the rows (as on the interleaved heads), beta 0 and 1, fp32 and bf16
  /// operands (the loop then multiplies the bf16-rounded values; the sums are fp32 in both).
  @Test(arguments: ["N", "T"], ["N", "T"])
  func gemmMatchesNaiveProduct(transA: String, transB: String) {
    var rng = AttentionTestRandom(state: 11)
    let (m, n, k, lda, ldb, ldc) = (7, 13, 5, 17, 19, 15)
    let ta = transA == "T"
    let tb = transB == "T"
    let a32 = rng.floats((ta ? k : m) * lda)
    let b32 = rng.floats((tb ? n : k) * ldb)
    let (a16, b16) = (a32.map(bf16Bits), b32.map(bf16Bits))
    let c0 = rng.floats(m * ldc)
    for bf16 in AttentionKernels.bf16Available ? [false, true] : [false] {
      let a = bf16 ? a16.map(floatFromBF16Bits) : a32
      let b = bf16 ? b16.map(floatFromBF16Bits) : b32
      for beta: Float in [0, 1] {
        var c = c0
        a32.withUnsafeBufferPointer { a32 in
          b32.withUnsafeBufferPointer { b32 in
            a16.withUnsafeBufferPointer { a16 in
              b16.withUnsafeBufferPointer { b16 in
                attnGemm(
                  Character(transA), Character(transB), m: m, n: n, k: k, alpha: 0.5,
                  a: bf16 ? .bf16(a16.baseAddress!) : .f32(a32.baseAddress!), lda: lda,
                  b: bf16 ? .bf16(b16.baseAddress!) : .f32(b32.baseAddress!), ldb: ldb,
                  beta: beta, c: &c, ldc: ldc)
              }
            }
          }
        }
        var worst = 0.0
        for i in 0..<m {
          for j in 0..<ldc {
            guard j < n else {
              #expect(c[i * ldc + j] == c0[i * ldc + j], "wrote outside C")
              continue
            }
            var s = 0.0
            for p in 0..<k {
              s +=
                Double(ta ? a[p * lda + i] : a[i * lda + p])
                * Double(tb ? b[j * ldb + p] : b[p * ldb + j])
            }
            s = 0.5 * s + Double(beta) * Double(c0[i * ldc + j])
            worst = max(worst, abs(Double(c[i * ldc + j]) - s) / (abs(s) + 1))
          }
        }
        #expect(worst <= 1e-5, "\(transA)\(transB) beta=\(beta) bf16=\(bf16)")
      }
    }
  }

  /// Vectorised exp against Foundation's over the range the softmax uses, plus the edges.
  @Test func vectorExpMatchesFoundation() {
    var worst: Float = 0
    var x: Float = -90
    while x < 10 {
      let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0123 })
      let e = attnExp(lanes)
      for l in 0..<8 where lanes[l] >= -87 {
        let want = Foundation.exp(Double(lanes[l]))
        worst = max(worst, Float(abs(Double(e[l]) - want) / want))
      }
      x += 0.0987
    }
    #expect(worst < 4e-7)
    let edges = attnExp(SIMD8(-.infinity, -100, -87.5, 0, 1, 88, 100, -0.0))
    #expect(edges[0] == 0 && edges[1] == 0 && edges[2] == 0)
    #expect(edges[3] == 1 && edges[7] == 1)
    #expect(abs(edges[4] - Float(M_E)) <= 2e-7 * Float(M_E))
    #expect(edges[5].isFinite && edges[6] == edges[5])
  }
}
