import CDNNL
import Foundation

/// Fused scaled-dot-product attention on the CPU (FlashAttention-2, Dao 2023, with whole key
/// rows per chunk of queries).
///
/// Layouts and the meaning of every argument: see `AttentionGeometry`. No Lq×Lk matrix is
/// materialised: a work item holds the scores of one chunk of query rows against all keys, at
/// most `chunkElements` (64 Ki floats, 256 KiB: it stays in L2). The matrix products are
/// single-threaded oneDNN `sgemm` calls straight on the interleaved [B, L, H, D] tensors
/// (leading dimension H·D), and the work items run in parallel.
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

  /// Query rows per chunk against `keys` keys.
  static func chunkRows(keys: Int) -> Int {
    max(1, chunkElements / max(keys, 1))
  }

  /// Forward. Per query row: S = scale·q Kᵀ + bias (0, or −∞ for masked keys), m = max S,
  /// P = exp(S − m), l = Σ P; out = P V / l and logsumexp = m + log l (saved for backward).
  public static func forward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, keyMask: UnsafePointer<UInt8>?, out: UnsafeMutablePointer<Float>,
    logsumexp: UnsafeMutablePointer<Float>
  ) {
    let pairs = g.batch * g.heads
    guard pairs > 0, g.queryLength > 0 else { return }
    let rowsPerChunk = min(g.queryLength, chunkRows(keys: attnRoundUp(g.keyLength, 8)))
    let chunks = (g.queryLength + rowsPerChunk - 1) / rowsPerChunk
    let io = AttentionPointers(
      q: q, k: k, v: v, keyMask: keyMask, out: out, logsumexp: logsumexp)
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
    defer { for p in [s, bias, inverse] { p.deallocate() } }
    // The vector loops also read the padding columns (keys..<keyStride): zero scores, −∞ bias.
    s.initialize(repeating: 0, count: rows.count * keyStride)
    attnFillKeyBias(io.keyMask, b: b, keyLength: lk, keys: keys, into: bias, count: keyStride)

    let outRows = io.out + qBase + rows.lowerBound * ld
    attnSgemm(
      "N", "T", m: rows.count, n: keys, k: d, alpha: g.scale,
      a: io.q + qBase + rows.lowerBound * ld,
      lda: ld, b: io.k + kBase, ldb: ld, beta: 0, c: s, ldc: keyStride)
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
    attnSgemm(
      "N", "N", m: rows.count, n: d, k: keys, alpha: 1, a: s, lda: keyStride,
      b: io.v + kBase, ldb: ld, beta: 0, c: outRows, ldc: ld)
    for r in 0..<rows.count {
      let o = outRows + r * ld
      let inv = inverse[r]
      for c in 0..<d { o[c] *= inv }
    }
  }
}

/// The caller's buffers, carried into concurrent work items (each item writes disjoint rows).
struct AttentionPointers: @unchecked Sendable {
  var q: UnsafePointer<Float>
  var k: UnsafePointer<Float>
  var v: UnsafePointer<Float>
  var keyMask: UnsafePointer<UInt8>?
  var out: UnsafeMutablePointer<Float>
  var logsumexp: UnsafeMutablePointer<Float>
}
