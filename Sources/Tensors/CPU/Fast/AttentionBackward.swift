extension AttentionKernels {
  /// Backward (FlashAttention-2 Alg. 2, with whole key rows). P is recomputed from q, k and
  /// the saved logsumexp L: with Dᵢ = rowsum(dO ∘ O),
  ///   P = exp(scale·QKᵀ − L), dV = Pᵀ dO, dP = dO Vᵀ, dS = P ∘ (dP − D),
  ///   dQ = scale · dS K, dK = scale · dSᵀ Q.
  ///
  /// Each (batch, head) work item walks its queries in chunks of `chunkRows` rows and keeps
  /// one chunk's P and dS ([rows × keys], in L2). The five products are single-threaded
  /// oneDNN gemm calls (`attnGemm`) on the interleaved tensors, with dK and dV accumulated in
  /// place over the chunks (beta = 1). With the Swift micro-kernel on 64×64 tiles this backward
  /// was 0.72–0.82× PyTorch.
  ///
  /// `bf16`: bf16 copies of q, k, v and gradOut; then all five products take bf16 operands
  /// (P and dS rounded to bf16 after their fp32 element-wise steps) with fp32 sums.
  ///
  /// Parallel over (batch, head) only, so that dK and dV are each summed over the chunks by one
  /// work item in a fixed order. Overwrites gradQ, gradK and gradV.
  public static func backward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>?, k: UnsafePointer<Float>?,
    v: UnsafePointer<Float>?, keyMask: UnsafePointer<UInt8>?, out: UnsafePointer<Float>,
    logsumexp: UnsafePointer<Float>, gradOut: UnsafePointer<Float>,
    gradQ: UnsafeMutablePointer<Float>, gradK: UnsafeMutablePointer<Float>,
    gradV: UnsafeMutablePointer<Float>, bf16: AttentionBF16Inputs? = nil
  ) {
    precondition(
      bf16 == nil || (bf16Available && bf16?.gradOut != nil),
      "AttentionKernels.backward: bf16 needs the gemm and gradOut")
    precondition(bf16 != nil || (q != nil && k != nil && v != nil), "AttentionKernels: no q, k, v")
    let io = AttentionGradientPointers(
      q: q, k: k, v: v, keyMask: keyMask, out: out, logsumexp: logsumexp, gradOut: gradOut,
      gradQ: gradQ, gradK: gradK, gradV: gradV, bf16: bf16)
    Parallel.forChunks(g.batch * g.heads, chunk: 1) { pair, _ in
      attnSingleThreaded { backwardItem(g, io, b: pair / g.heads, h: pair % g.heads) }
    }
  }

  private static func backwardItem(
    _ g: AttentionGeometry, _ io: AttentionGradientPointers, b: Int, h: Int
  ) {
    let (lq, lk, d, heads) = (g.queryLength, g.keyLength, g.headDim, g.heads)
    let ld = heads * d
    let qBase = (b * lq * heads + h) * d
    let kBase = (b * lk * heads + h) * d
    // Keys after the last attended one get zero gradients and are left out of the products;
    // masked keys before it get P = 0 through a −∞ bias, hence zero gradients too.
    let keys = attnKeysUsed(io.keyMask, b: b, keyLength: lk)
    for j in keys..<lk {
      (io.gradK + kBase + j * ld).update(repeating: 0, count: d)
      (io.gradV + kBase + j * ld).update(repeating: 0, count: d)
    }
    if keys == 0 {
      for i in 0..<lq { (io.gradQ + qBase + i * ld).update(repeating: 0, count: d) }
      return
    }
    let keyStride = attnRoundUp(keys, 8)
    let rowsPerChunk = min(lq, chunkRows(keys: keyStride))
    let p = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerChunk * keyStride)
    let ds = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerChunk * keyStride)
    let bias = UnsafeMutablePointer<Float>.allocate(capacity: keyStride)
    let di = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerChunk)
    // bf16 path: P and dS rounded for the products.
    let rounded = UnsafeMutablePointer<UInt16>.allocate(
      capacity: io.bf16 == nil ? 1 : 2 * rowsPerChunk * keyStride)
    let (p16, ds16) = (rounded, rounded + (io.bf16 == nil ? 0 : rowsPerChunk * keyStride))
    defer {
      for s in [p, ds, bias, di] { s.deallocate() }
      rounded.deallocate()
    }
    // The vector loops also touch the padding columns (keys..<keyStride), never read back.
    p.initialize(repeating: 0, count: rowsPerChunk * keyStride)
    ds.initialize(repeating: 0, count: rowsPerChunk * keyStride)
    attnFillKeyBias(io.keyMask, b: b, keyLength: lk, keys: keys, into: bias, count: keyStride)
    let lseRow = io.logsumexp + (b * heads + h) * lq
    let (qh, kh, vh, doh) = io.operands(qBase: qBase, kBase: kBase)
    /// A chunk's fp32 [rows × keyStride] matrix as a product operand (rounded on the bf16 path).
    func operand(_ m: UnsafePointer<Float>, _ bits: UnsafeMutablePointer<UInt16>, rows: Int)
      -> AttnOperand
    {
      guard io.bf16 != nil else { return .f32(m) }
      BF16Kernels.roundSerial(m, into: bits, count: rows * keyStride)
      return .bf16(bits)
    }

    var i0 = 0
    while i0 < lq {
      let rows = min(rowsPerChunk, lq - i0)
      let first = i0 == 0
      defer { i0 += rows }
      let qc = qh.advanced(by: i0 * ld)
      let doc = doh.advanced(by: i0 * ld)
      let doc32 = io.gradOut + qBase + i0 * ld
      // P = exp(scale·Q Kᵀ + bias − L); a fully masked row (L = −∞) gives P = 0.
      attnGemm(
        "N", "T", m: rows, n: keys, k: d, alpha: g.scale, a: qc, lda: ld, b: kh, ldb: ld,
        beta: 0, c: p, ldc: keyStride)
      for r in 0..<rows {
        let l = lseRow[i0 + r]
        let shift = SIMD8<Float>(repeating: l == -.infinity ? .infinity : l)
        let row = p + r * keyStride
        var c = 0
        while c < keys {
          attnStore8(attnExp(attnLoad8(row + c) + attnLoad8(bias + c) - shift), row + c)
          c += 8
        }
        // Dᵢ = dOᵢ · Oᵢ
        let o = io.out + qBase + (i0 + r) * ld
        let dO = doc32 + r * ld
        var acc = SIMD8<Float>()
        c = 0
        while c + 8 <= d {
          acc = acc.addingProduct(attnLoad8(dO + c), attnLoad8(o + c))
          c += 8
        }
        var sum = attnHorizontalSum(acc)
        while c < d {
          sum += dO[c] * o[c]
          c += 1
        }
        di[r] = sum
      }
      // dV (+)= Pᵀ dO
      attnGemm(
        "T", "N", m: keys, n: d, k: rows, alpha: 1, a: operand(p, p16, rows: rows),
        lda: keyStride, b: doc, ldb: ld,
        beta: first ? 0 : 1, c: io.gradV + kBase, ldc: ld)
      // dP = dO Vᵀ, then dS = P ∘ (dP − D)
      attnGemm(
        "N", "T", m: rows, n: keys, k: d, alpha: 1, a: doc, lda: ld, b: vh, ldb: ld, beta: 0,
        c: ds, ldc: keyStride)
      for r in 0..<rows {
        let pr = p + r * keyStride
        let dr = ds + r * keyStride
        let dv = SIMD8<Float>(repeating: di[r])
        var c = 0
        while c < keys {
          attnStore8(attnLoad8(pr + c) * (attnLoad8(dr + c) - dv), dr + c)
          c += 8
        }
      }
      // dQ = scale · dS K;  dK (+)= scale · dSᵀ Q
      let dsOperand = operand(ds, ds16, rows: rows)
      attnGemm(
        "N", "N", m: rows, n: d, k: keys, alpha: g.scale, a: dsOperand, lda: keyStride, b: kh,
        ldb: ld, beta: 0, c: io.gradQ + qBase + i0 * ld, ldc: ld)
      attnGemm(
        "T", "N", m: keys, n: d, k: rows, alpha: g.scale, a: dsOperand, lda: keyStride, b: qc,
        ldb: ld,
        beta: first ? 0 : 1, c: io.gradK + kBase, ldc: ld)
    }
  }
}

/// The caller's buffers for the backward, carried into concurrent work items.
struct AttentionGradientPointers: @unchecked Sendable {
  /// fp32 q, k, v: nil on the bf16 path, which reads only the bf16 copies.
  var q: UnsafePointer<Float>?
  var k: UnsafePointer<Float>?
  var v: UnsafePointer<Float>?
  var keyMask: UnsafePointer<UInt8>?
  var out: UnsafePointer<Float>
  var logsumexp: UnsafePointer<Float>
  var gradOut: UnsafePointer<Float>
  var gradQ: UnsafeMutablePointer<Float>
  var gradK: UnsafeMutablePointer<Float>
  var gradV: UnsafeMutablePointer<Float>
  var bf16: AttentionBF16Inputs?

  /// q, k, v and gradOut of head (b, h) as product operands: the bf16 copies when given.
  func operands(qBase: Int, kBase: Int) -> (AttnOperand, AttnOperand, AttnOperand, AttnOperand) {
    guard let bf16, let gradOut16 = bf16.gradOut else {
      return (.f32(q! + qBase), .f32(k! + kBase), .f32(v! + kBase), .f32(gradOut + qBase))
    }
    return (
      .bf16(bf16.q + qBase), .bf16(bf16.k + kBase), .bf16(bf16.v + kBase),
      .bf16(gradOut16 + qBase)
    )
  }
}
