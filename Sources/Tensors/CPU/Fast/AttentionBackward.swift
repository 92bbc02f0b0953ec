import Foundation

extension AttentionKernels {
  /// Backward (FlashAttention-2 Alg. 2). P is recomputed tile by tile from q, k and the saved
  /// logsumexp L: with Dᵢ = rowsum(dO ∘ O),
  ///   P = exp(scale·QKᵀ − L), dV = Pᵀ dO, dP = dO Vᵀ, dS = P ∘ (dP − D),
  ///   dQ = scale · dS K, dK = scale · dSᵀ Q.
  /// Tiles are computed transposed (keys × queries) so that every product reads row-major
  /// operands: Sᵀ = K (scale·Q)ᵀ, dPᵀ = V dOᵀ, dV_j += Pᵀ dO, dK_j += dSᵀ (scale·Q),
  /// dQᵀ += Kᵀ dSᵀ. Overwrites gradQ, gradK and gradV.
  ///
  /// Parallel over (batch, head) only, so each gradient element is accumulated by one work item
  /// in a fixed order (keys outer, queries inner) and there are no races.
  public static func backward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, keyMask: UnsafePointer<UInt8>?, out: UnsafePointer<Float>,
    logsumexp: UnsafePointer<Float>, gradOut: UnsafePointer<Float>,
    gradQ: UnsafeMutablePointer<Float>, gradK: UnsafeMutablePointer<Float>,
    gradV: UnsafeMutablePointer<Float>
  ) {
    let io = AttentionGradientPointers(
      q: q, k: k, v: v, keyMask: keyMask, out: out, logsumexp: logsumexp, gradOut: gradOut,
      gradQ: gradQ, gradK: gradK, gradV: gradV)
    Parallel.forChunks(g.batch * g.heads, chunk: 1) { pair, _ in
      backwardItem(g, io, b: pair / g.heads, h: pair % g.heads)
    }
  }

  private static func backwardItem(
    _ g: AttentionGeometry, _ io: AttentionGradientPointers, b: Int, h: Int
  ) {
    let (lq, lk, d, heads) = (g.queryLength, g.keyLength, g.headDim, g.heads)
    let rowStride = heads * d
    let qBase = (b * lq * heads + h) * d
    let kBase = (b * lk * heads + h) * d
    if lq == 0 || lk == 0 {
      for j in 0..<lk {
        (io.gradK + kBase + j * rowStride).update(repeating: 0, count: d)
        (io.gradV + kBase + j * rowStride).update(repeating: 0, count: d)
      }
      for i in 0..<lq { (io.gradQ + qBase + i * rowStride).update(repeating: 0, count: d) }
      return
    }
    let dPad = attnRoundUp(d, attnTileColumns)
    let lkPad = attnRoundUp(lk, attnTileColumns)
    let lqPad = attnRoundUp(lq, attnTileColumns)

    // Packed operands (zero padded): K, V [LkPad × DPad]; scale·Q, dO [LqPad × DPad];
    // transposed and column-blocked (`attnBlocked`): Kᵀ [DPad × LkPad] in blocks of Bk,
    // (scale·Q)ᵀ, dOᵀ [D × LqPad] and the dQᵀ accumulator [DPad × LqPad] in blocks of Bq.
    let kp = attnScratch(lkPad * dPad)
    let vp = attnScratch(lkPad * dPad)
    let kt = attnScratch(dPad * attnRoundUp(lkPad, keyBlock))
    let qs = attnScratch(lqPad * dPad)
    let dop = attnScratch(lqPad * dPad)
    let qst = attnScratch(d * attnRoundUp(lqPad, queryBlock))
    let dot = attnScratch(d * attnRoundUp(lqPad, queryBlock))
    let dqt = attnScratch(dPad * attnRoundUp(lqPad, queryBlock))
    // Per query: Dᵢ and the logsumexp to subtract (+∞ for padding and fully masked rows, so
    // that P = 0 there). Per key: attended or not.
    let di = attnScratch(lqPad)
    let lseEff = attnScratch(lqPad)
    let keyValid = UnsafeMutablePointer<Bool>.allocate(capacity: lkPad)
    // Tiles [Bk × Bq] and the dK, dV accumulators of one key block [Bk × DPad].
    let p = attnScratch(keyBlock * queryBlock)
    let dp = attnScratch(keyBlock * queryBlock)
    let dkj = attnScratch(keyBlock * dPad)
    let dvj = attnScratch(keyBlock * dPad)
    defer {
      for s in [kp, vp, kt, qs, dop, qst, dot, dqt, di, lseEff, p, dp, dkj, dvj] { s.deallocate() }
      keyValid.deallocate()
    }

    for j in 0..<lk {
      (kp + j * dPad).update(from: io.k + kBase + j * rowStride, count: d)
      (vp + j * dPad).update(from: io.v + kBase + j * rowStride, count: d)
    }
    attnPackTransposed(kp, srcStride: dPad, count: lk, d: d, into: kt, rows: dPad, width: keyBlock)
    // Keys after the last attended one get zero gradients without being visited.
    var keysUsed = 0
    for j in 0..<lkPad {
      keyValid[j] = j < lk && (io.keyMask.map { $0[b * lk + j] != 0 } ?? true)
      if keyValid[j] { keysUsed = attnRoundUp(j + 1, attnTileColumns) }
    }
    for j in min(keysUsed, lk)..<lk {
      (io.gradK + kBase + j * rowStride).update(repeating: 0, count: d)
      (io.gradV + kBase + j * rowStride).update(repeating: 0, count: d)
    }
    let lseRow = io.logsumexp + (b * heads + h) * lq
    for i in 0..<lq {
      let qi = io.q + qBase + i * rowStride
      let doi = io.gradOut + qBase + i * rowStride
      let oi = io.out + qBase + i * rowStride
      var dsum: Float = 0
      for c in 0..<d {
        qs[i * dPad + c] = g.scale * qi[c]
        dop[i * dPad + c] = doi[c]
        dsum += doi[c] * oi[c]
      }
      di[i] = dsum
      lseEff[i] = lseRow[i] == -.infinity ? .infinity : lseRow[i]
    }
    for i in lq..<lqPad { lseEff[i] = .infinity }
    attnPackTransposed(qs, srcStride: dPad, count: lq, d: d, into: qst, rows: d, width: queryBlock)
    attnPackTransposed(
      dop, srcStride: dPad, count: lq, d: d, into: dot, rows: d, width: queryBlock)

    var j0 = 0
    while j0 < keysUsed {
      let kr = min(keyBlock, keysUsed - j0)
      defer { j0 += kr }
      let jEnd = min(j0 + kr, lk)
      var anyValid = false
      for j in j0..<(j0 + kr) where keyValid[j] { anyValid = true }
      if !anyValid {
        for j in j0..<jEnd {
          (io.gradK + kBase + j * rowStride).update(repeating: 0, count: d)
          (io.gradV + kBase + j * rowStride).update(repeating: 0, count: d)
        }
        continue
      }
      dkj.update(repeating: 0, count: kr * dPad)
      dvj.update(repeating: 0, count: kr * dPad)
      var i0 = 0
      while i0 < lqPad {
        let qc = min(queryBlock, lqPad - i0)
        defer { i0 += qc }
        // Pᵀ = exp(K_j (scale·Q_i)ᵀ − L), masked key rows zero.
        attnGemm(
          m: kr, n: qc, k: d, a: kp + j0 * dPad, lda: dPad, b: qst + i0 * d, ldb: queryBlock, c: p,
          ldc: queryBlock, accumulate: false)
        for r in 0..<kr {
          let row = p + r * queryBlock
          guard keyValid[j0 + r] else {
            row.update(repeating: 0, count: qc)
            continue
          }
          var c = 0
          while c < qc {
            attnStore8(attnExp(attnLoad8(row + c) - attnLoad8(lseEff + i0 + c)), row + c)
            c += 8
          }
        }
        // dV_j += Pᵀ dO_i
        attnGemm(
          m: kr, n: dPad, k: qc, a: p, lda: queryBlock, b: dop + i0 * dPad, ldb: dPad, c: dvj,
          ldc: dPad, accumulate: true)
        // dPᵀ = V_j dO_iᵀ, then dSᵀ = Pᵀ ∘ (dPᵀ − D) in place.
        attnGemm(
          m: kr, n: qc, k: d, a: vp + j0 * dPad, lda: dPad, b: dot + i0 * d, ldb: queryBlock, c: dp,
          ldc: queryBlock, accumulate: false)
        for r in 0..<kr {
          let prow = p + r * queryBlock
          let drow = dp + r * queryBlock
          var c = 0
          while c < qc {
            let ds = attnLoad8(prow + c) * (attnLoad8(drow + c) - attnLoad8(di + i0 + c))
            attnStore8(ds, drow + c)
            c += 8
          }
        }
        // dK_j += dSᵀ (scale·Q_i);  dQᵀ_i += Kᵀ_j dSᵀ  (scale applied when dQ is written).
        attnGemm(
          m: kr, n: dPad, k: qc, a: dp, lda: queryBlock, b: qs + i0 * dPad, ldb: dPad, c: dkj,
          ldc: dPad, accumulate: true)
        attnGemm(
          m: dPad, n: qc, k: kr, a: kt + j0 * dPad, lda: keyBlock, b: dp, ldb: queryBlock,
          c: dqt + i0 * dPad,
          ldc: queryBlock, accumulate: true)
      }
      for j in j0..<jEnd {
        let dk = io.gradK + kBase + j * rowStride
        let dv = io.gradV + kBase + j * rowStride
        let r = j - j0
        for c in 0..<d {
          dk[c] = dkj[r * dPad + c]
          dv[c] = dvj[r * dPad + c]
        }
      }
    }
    for i in 0..<lq {
      let dq = io.gradQ + qBase + i * rowStride
      for c in 0..<d {
        dq[c] = g.scale * dqt[attnBlocked(row: c, column: i, rows: dPad, width: queryBlock)]
      }
    }
  }
}

/// A zero-initialised scratch buffer; the caller deallocates it.
func attnScratch(_ count: Int) -> UnsafeMutablePointer<Float> {
  let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
  p.initialize(repeating: 0, count: max(count, 1))
  return p
}

/// The caller's buffers for the backward, carried into concurrent work items.
struct AttentionGradientPointers: @unchecked Sendable {
  var q: UnsafePointer<Float>
  var k: UnsafePointer<Float>
  var v: UnsafePointer<Float>
  var keyMask: UnsafePointer<UInt8>?
  var out: UnsafePointer<Float>
  var logsumexp: UnsafePointer<Float>
  var gradOut: UnsafePointer<Float>
  var gradQ: UnsafeMutablePointer<Float>
  var gradK: UnsafeMutablePointer<Float>
  var gradV: UnsafeMutablePointer<Float>
}
