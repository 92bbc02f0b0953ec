import CDNNL
import Foundation

/// Fused scaled-dot-product attention on the CPU (FlashAttention-2, Dao 2023, with whole key
/// rows per chunk of queries).
///
/// Layouts and the meaning of every argument: see `AttentionGeometry`. No Lq×Lk matrix is
/// materialised: a work item holds the scores of one chunk of query rows against all keys, at
/// most `chunkElements` (64 Ki floats, 256 KiB: it stays in L2). The matrix products are
/// single-threaded oneDNN gemm calls (`attnGemm`: `dnnl_sgemm`, or the bf16 gemm at bf16
/// precision) straight on the interleaved [B, L, H, D] tensors (leading dimension H·D), and the
/// work items run in parallel.
///
/// Why not tiles of 64 keys with our own micro-kernel, as before: that kernel reaches ~110
/// GFLOP/s per core on a 64×64×64 product in L1, but with the packing, the online-softmax
/// rescaling and operands coming from L2 the whole attention ran at about half the FMA peak
/// and 0.72–0.94× PyTorch. oneDNN's sgemm on these shapes runs at ~105 GFLOP/s per core.
///
/// Fully masked query rows (every key of the batch element masked) give output 0,
/// logsumexp −∞ and zero gradients; PyTorch returns NaN there. In practice it does not occur
/// because [CLS] is always kept.
///
/// Results are bit-identical for any thread count: chunk boundaries depend only on the shape,
/// every output element is written by exactly one work item, and every product runs on one
/// thread (oneDNN would otherwise split sums across its team).
public enum AttentionKernels {
  /// Scores per work item.
  static let chunkElements = 1 << 16

  typealias BF16GemmFn =
    @convention(c) (
      CChar, CChar, Int64, Int64, Int64, Float, UnsafePointer<UInt16>?, Int64,
      UnsafePointer<UInt16>?, Int64, Float, UnsafeMutablePointer<Float>?, Int64
    ) -> dnnl_status_t

  /// oneDNN's bf16 × bf16 → fp32 gemm. Exported by libdnnl (2.6 and later) with the signature
  /// of `dnnl_sgemm` but not declared in its public headers (oneDNN's own benchmarks call
  /// it), so it is looked up at run time; without it the bf16 path is not offered. One core
  /// on this machine: 140–200 GFLOP/s on the attention shapes, against ~105 for `dnnl_sgemm`.
  static let bf16Gemm: BF16GemmFn? = {
    guard let handle = dlopen(nil, RTLD_NOW), let f = dlsym(handle, "dnnl_gemm_bf16bf16f32")
    else { return nil }
    return unsafeBitCast(f, to: BF16GemmFn.self)
  }()

  /// Whether attention can take bf16 operands here: the gemm exists and the CPU multiplies
  /// bf16 natively.
  public static var bf16Available: Bool { bf16Gemm != nil && CPUFeatures.bf16IsFast }

  /// Query rows per chunk against `keys` keys.
  static func chunkRows(keys: Int) -> Int {
    max(1, chunkElements / max(keys, 1))
  }

  /// Forward. Per query row: S = scale·q Kᵀ + bias (0, or −∞ for masked keys), m = max S,
  /// P = exp(S − m), l = Σ P; out = P V / l and logsumexp = m + log l (saved for backward).
  ///
  /// `bf16`: bf16 copies of q, k and v (see `AttentionBF16Inputs`); then both products take
  /// bf16 operands (P rounded to bf16 for P V) with fp32 sums, as PyTorch's bf16 attention,
  /// and the fp32 q, k, v may be nil. The softmax stays fp32.
  public static func forward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>?, k: UnsafePointer<Float>?,
    v: UnsafePointer<Float>?, keyMask: UnsafePointer<UInt8>?, out: UnsafeMutablePointer<Float>,
    logsumexp: UnsafeMutablePointer<Float>, bf16: AttentionBF16Inputs? = nil
  ) {
    precondition(bf16 == nil || bf16Available, "AttentionKernels: no bf16 gemm here")
    precondition(bf16 != nil || (q != nil && k != nil && v != nil), "AttentionKernels: no q, k, v")
    let pairs = g.batch * g.heads
    guard pairs > 0, g.queryLength > 0 else { return }
    let rowsPerChunk = min(g.queryLength, chunkRows(keys: attnRoundUp(g.keyLength, 8)))
    let chunks = (g.queryLength + rowsPerChunk - 1) / rowsPerChunk
    let io = AttentionPointers(
      q: q, k: k, v: v, keyMask: keyMask, out: out, logsumexp: logsumexp, bf16: bf16)
    Parallel.forChunks(pairs * chunks, chunk: 1) { item, _ in
      let pair = item / chunks
      let first = (item % chunks) * rowsPerChunk
      let rows = first..<min(g.queryLength, first + rowsPerChunk)
      attnSingleThreaded {
        forwardItem(g, io, b: pair / g.heads, h: pair % g.heads, rows: rows)
      }
    }
  }

  /// Query rows `rows` of head (b, h).
  private static func forwardItem(
    _ g: AttentionGeometry, _ io: AttentionPointers, b: Int, h: Int, rows: Range<Int>
  ) {
    let (lq, lk, d, heads) = (g.queryLength, g.keyLength, g.headDim, g.heads)
    let ld = heads * d
    let qBase = (b * lq * heads + h) * d
    let kBase = (b * lk * heads + h) * d
    let lseRow = io.logsumexp + (b * heads + h) * lq
    let keys = attnKeysUsed(io.keyMask, b: b, keyLength: lk)
    if keys == 0 {
      for i in rows {
        (io.out + qBase + i * ld).update(repeating: 0, count: d)
        lseRow[i] = -.infinity
      }
      return
    }
    let keyStride = attnRoundUp(keys, 8)
    let s = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * keyStride)
    let bias = UnsafeMutablePointer<Float>.allocate(capacity: keyStride)
    let inverse = UnsafeMutablePointer<Float>.allocate(capacity: rows.count)
    // bf16 path: P rounded for the second product.
    let p16 = UnsafeMutablePointer<UInt16>.allocate(
      capacity: io.bf16 == nil ? 1 : rows.count * keyStride)
    defer {
      for p in [s, bias, inverse] { p.deallocate() }
      p16.deallocate()
    }
    // The vector loops also read the padding columns (keys..<keyStride): zero scores, −∞ bias.
    s.initialize(repeating: 0, count: rows.count * keyStride)
    attnFillKeyBias(io.keyMask, b: b, keyLength: lk, keys: keys, into: bias, count: keyStride)

    let outRows = io.out + qBase + rows.lowerBound * ld
    let (q, k, v) = io.operands
    attnGemm(
      "N", "T", m: rows.count, n: keys, k: d, alpha: g.scale,
      a: q.advanced(by: qBase + rows.lowerBound * ld), lda: ld, b: k.advanced(by: kBase), ldb: ld,
      beta: 0, c: s, ldc: keyStride)
    for r in 0..<rows.count {
      let row = s + r * keyStride
      var vmax = SIMD8<Float>(repeating: -.infinity)
      var c = 0
      while c < keys {
        let x = attnLoad8(row + c) + attnLoad8(bias + c)
        attnStore8(x, row + c)
        vmax = attnMax(vmax, x)
        c += 8
      }
      // Finite: at least one of the first `keys` keys is attended.
      let m = attnHorizontalMax(vmax)
      let shift = SIMD8<Float>(repeating: m)
      var vsum = SIMD8<Float>()
      c = 0
      while c < keys {
        let p = attnExp(attnLoad8(row + c) - shift)
        attnStore8(p, row + c)
        vsum += p
        c += 8
      }
      let l = attnHorizontalSum(vsum)
      inverse[r] = 1 / l
      lseRow[rows.lowerBound + r] = m + Foundation.log(l)
    }
    var p = AttnOperand.f32(s)
    if io.bf16 != nil {
      BF16Kernels.roundSerial(s, into: p16, count: rows.count * keyStride)
      p = .bf16(p16)
    }
    attnGemm(
      "N", "N", m: rows.count, n: d, k: keys, alpha: 1, a: p, lda: keyStride,
      b: v.advanced(by: kBase), ldb: ld, beta: 0, c: outRows, ldc: ld)
    for r in 0..<rows.count {
      let o = outRows + r * ld
      let inv = inverse[r]
      for c in 0..<d { o[c] *= inv }
    }
  }
}

/// bf16 copies of the attention inputs, in the same [B, L, H, D] layouts, for the bf16 path.
/// `gradOut` is for the backward only.
public struct AttentionBF16Inputs: @unchecked Sendable {
  public var q: UnsafePointer<UInt16>
  public var k: UnsafePointer<UInt16>
  public var v: UnsafePointer<UInt16>
  public var gradOut: UnsafePointer<UInt16>?

  public init(
    q: UnsafePointer<UInt16>, k: UnsafePointer<UInt16>, v: UnsafePointer<UInt16>,
    gradOut: UnsafePointer<UInt16>? = nil
  ) {
    (self.q, self.k, self.v, self.gradOut) = (q, k, v, gradOut)
  }
}

/// The caller's buffers, carried into concurrent work items (each item writes disjoint rows).
struct AttentionPointers: @unchecked Sendable {
  /// fp32 q, k, v: nil on the bf16 path, which reads only the bf16 copies.
  var q: UnsafePointer<Float>?
  var k: UnsafePointer<Float>?
  var v: UnsafePointer<Float>?
  var keyMask: UnsafePointer<UInt8>?
  var out: UnsafeMutablePointer<Float>
  var logsumexp: UnsafeMutablePointer<Float>
  var bf16: AttentionBF16Inputs?

  /// q, k, v as product operands: the bf16 copies when given.
  var operands: (AttnOperand, AttnOperand, AttnOperand) {
    guard let bf16 else { return (.f32(q!), .f32(k!), .f32(v!)) }
    return (.bf16(bf16.q), .bf16(bf16.k), .bf16(bf16.v))
  }
}
