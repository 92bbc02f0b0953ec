import Foundation

/// Fused scaled-dot-product attention on the CPU (FlashAttention-2, Dao 2023).
///
/// Layouts and the meaning of every argument: see `AttentionGeometry`. No Lq×Lk matrix is
/// materialised: each work item holds one 64×128 score tile.
///
/// Fully masked query rows (every key of the batch element masked) give output 0,
/// logsumexp −∞ and zero gradients; PyTorch returns NaN there. In practice it does not occur
/// because [CLS] is always kept.
///
/// Results are bit-identical for any thread count: every output element is written by exactly one
/// work item, which reduces over keys in a fixed order.
public enum AttentionKernels {
  /// Queries per tile.
  static let queryBlock = 64
  /// Keys per tile in the backward.
  static let keyBlock = 64
  /// Keys per tile in the forward: wider, to spread the per-row cost of the online softmax
  /// (rescaling, horizontal max) over more keys.
  static let forwardKeyBlock = 128

  /// Forward (FlashAttention-2 Alg. 1, online softmax). For each query row i and key tile j:
  /// m' = max(m, rowmax S_ij), P = exp(S_ij − m'), l = e^(m−m')·l + rowsum P,
  /// O = e^(m−m')·O + P V_j; finally out = O / l and logsumexp = m + log l (saved for backward).
  public static func forward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, keyMask: UnsafePointer<UInt8>?, out: UnsafeMutablePointer<Float>,
    logsumexp: UnsafeMutablePointer<Float>
  ) {
    let pairs = g.batch * g.heads
    guard pairs > 0, g.queryLength > 0 else { return }
    let queryBlocks = (g.queryLength + queryBlock - 1) / queryBlock
    // Split queries only when (batch, head) pairs alone cannot feed the cores.
    // Rows are computed identically whatever the split, so the bits do not depend on it.
    let threads = Parallel.threadCount
    let chunks = min(queryBlocks, max(1, (4 * threads + pairs - 1) / pairs))
    let blocksPerChunk = (queryBlocks + chunks - 1) / chunks
    let io = AttentionPointers(
      q: q, k: k, v: v, keyMask: keyMask, out: out, logsumexp: logsumexp)
    Parallel.forChunks(pairs * chunks, chunk: 1) { item, _ in
      let pair = item / chunks
      let chunk = item % chunks
      let firstRow = chunk * blocksPerChunk * queryBlock
      let endRow = min(g.queryLength, firstRow + blocksPerChunk * queryBlock)
      guard firstRow < endRow else { return }
      forwardItem(g, io, b: pair / g.heads, h: pair % g.heads, rows: firstRow..<endRow)
    }
  }

  /// Query rows `rows` of head (b, h).
  private static func forwardItem(
    _ g: AttentionGeometry, _ io: AttentionPointers, b: Int, h: Int, rows: Range<Int>
  ) {
    let (lq, lk, d, heads) = (g.queryLength, g.keyLength, g.headDim, g.heads)
    let dPad = attnRoundUp(d, attnTileColumns)
    let lkPad = attnRoundUp(max(lk, 1), attnTileColumns)
    let rowStride = heads * d

    // Scratch: Kᵀ [D × LkPad] in column blocks of Bk, V [LkPad × DPad], key bias [LkPad] (0 or −∞), Q·scale tile
    // [Bq × D], score tile [Bq × Bk], output accumulator [Bq × DPad], m and l [Bq].
    let ktCount = attnRoundUp(lkPad, forwardKeyBlock) * d
    let kt = UnsafeMutablePointer<Float>.allocate(capacity: ktCount)
    let vp = UnsafeMutablePointer<Float>.allocate(capacity: lkPad * dPad)
    let bias = UnsafeMutablePointer<Float>.allocate(capacity: lkPad)
    let qs = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * d)
    let s = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * forwardKeyBlock)
    let o = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * dPad)
    let mRow = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock)
    let lRow = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock)
    defer {
      for p in [kt, vp, bias, qs, s, o, mRow, lRow] { p.deallocate() }
    }

    // Pack K transposed and V (zero padding), and the key bias.
    let kBase = io.k + (b * lk * heads + h) * d
    let vBase = io.v + (b * lk * heads + h) * d
    kt.initialize(repeating: 0, count: ktCount)
    vp.initialize(repeating: 0, count: lkPad * dPad)
    attnPackTransposed(
      kBase, srcStride: rowStride, count: lk, d: d, into: kt, rows: d, width: forwardKeyBlock)
    for j in 0..<lk {
      (vp + j * dPad).update(from: vBase + j * rowStride, count: d)
    }
    // Keys after the last attended one (padding of short captions) are never visited.
    var keysUsed = 0
    for j in 0..<lkPad {
      let attend = j < lk && (io.keyMask.map { $0[b * lk + j] != 0 } ?? true)
      bias[j] = attend ? 0 : -.infinity
      if attend { keysUsed = attnRoundUp(j + 1, attnTileColumns) }
    }

    var i0 = rows.lowerBound
    while i0 < rows.upperBound {
      let count = min(queryBlock, rows.upperBound - i0)
      let mRows = attnRoundUp(count, attnTileRows)
      // Q tile, pre-multiplied by scale (the backward recomputes S the same way).
      qs.initialize(repeating: 0, count: mRows * d)
      for r in 0..<count {
        let qi = io.q + ((b * lq + i0 + r) * heads + h) * d
        for c in 0..<d { qs[r * d + c] = g.scale * qi[c] }
      }
      o.initialize(repeating: 0, count: mRows * dPad)
      mRow.initialize(repeating: -.infinity, count: queryBlock)
      lRow.initialize(repeating: 0, count: queryBlock)

      var j0 = 0
      while j0 < keysUsed {
        let cols = min(forwardKeyBlock, keysUsed - j0)
        j0 += cols
        let jb = j0 - cols
        let masked = maskedCount(bias + jb, count: cols)
        if masked == cols { continue }
        attnGemm(
          m: mRows, n: cols, k: d, a: qs, lda: d, b: kt + jb * d, ldb: forwardKeyBlock, c: s,
          ldc: forwardKeyBlock,
          accumulate: false)
        for r in 0..<count {
          onlineSoftmaxRow(
            s + r * forwardKeyBlock, bias: masked > 0 ? bias + jb : nil, cols: cols, m: &mRow[r],
            l: &lRow[r],
            o: o + r * dPad, dPad: dPad)
        }
        for r in count..<mRows {
          (s + r * forwardKeyBlock).update(repeating: 0, count: cols)
        }
        attnGemm(
          m: mRows, n: dPad, k: cols, a: s, lda: forwardKeyBlock, b: vp + jb * dPad, ldb: dPad,
          c: o,
          ldc: dPad, accumulate: true)
      }

      for r in 0..<count {
        let outRow = io.out + ((b * lq + i0 + r) * heads + h) * d
        let lse = io.logsumexp + (b * heads + h) * lq + i0 + r
        if lRow[r] > 0 {
          let inv = 1 / lRow[r]
          for c in 0..<d { outRow[c] = o[r * dPad + c] * inv }
          lse.pointee = mRow[r] + Foundation.log(lRow[r])
        } else {
          outRow.update(repeating: 0, count: d)
          lse.pointee = -.infinity
        }
      }
      i0 += count
    }
  }

  /// Number of masked (−∞ bias) keys among `count`.
  @inline(__always)
  static func maskedCount(_ bias: UnsafePointer<Float>, count: Int) -> Int {
    var n = 0
    for j in 0..<count where bias[j] != 0 { n += 1 }
    return n
  }

  /// One row of the online softmax: adds the key bias (nil: no key of the tile is masked), rescales the running
  /// output by e^(m−m'), overwrites the scores with P = exp(S − m') and updates m and l.
  @inline(__always)
  private static func onlineSoftmaxRow(
    _ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, cols: Int,
    m: inout Float, l: inout Float, o: UnsafeMutablePointer<Float>, dPad: Int
  ) {
    var vmax = SIMD8<Float>(repeating: -.infinity)
    var c = 0
    if let bias {
      while c < cols {
        let x = attnLoad8(row + c) + attnLoad8(bias + c)
        attnStore8(x, row + c)
        vmax = attnMax(vmax, x)
        c += 8
      }
    } else {
      while c < cols {
        vmax = attnMax(vmax, attnLoad8(row + c))
        c += 8
      }
    }
    let newMax = max(m, attnHorizontalMax(vmax))
    if newMax == -.infinity {
      // Every key so far is masked: P = 0, nothing to rescale.
      row.update(repeating: 0, count: cols)
      return
    }
    let shift = SIMD8<Float>(repeating: newMax)
    var vsum = SIMD8<Float>()
    c = 0
    while c < cols {
      let p = attnExp(attnLoad8(row + c) - shift)
      attnStore8(p, row + c)
      vsum += p
      c += 8
    }
    let alpha = m == -.infinity ? 0 : Foundation.exp(m - newMax)
    if alpha != 1 {
      let va = SIMD8<Float>(repeating: alpha)
      c = 0
      while c < dPad {
        attnStore8(attnLoad8(o + c) * va, o + c)
        c += 8
      }
    }
    l = l * alpha + attnHorizontalSum(vsum)
    m = newMax
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
