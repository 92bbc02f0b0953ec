/// Scaled dot-product attention (Vaswani et al. 2017): softmax(Q·Kᵀ·scale + mask)·V per head.
extension Tensor {
  /// Multi-head attention over projected tokens.
  ///
  /// - Parameters:
  ///   - query: `[B, Lq, H·D]`, key and value: `[B, Lk, H·D]` (heads interleaved, as a Linear
  ///     projection produces them).
  ///   - heads: H.
  ///   - keyMask: optional `[B, Lk]`, 1 = attend, 0 = padding (ignored).
  /// - Returns: `[B, Lq, H·D]`.
  ///
  /// Runs the fused FlashAttention-2 kernels (`AttentionKernels`): no Lq×Lk matrix is kept; the
  /// VJP recomputes it a chunk of query rows at a time from q, k and the saved log-sum-exp. A
  /// query whose keys are all masked outputs 0.
  public static func attention(
    query: Tensor, key: Tensor, value: Tensor, heads: Int, keyMask: Tensor? = nil,
    scale: Float? = nil
  ) -> Tensor {
    precondition(
      query.rank == 3 && key.rank == 3 && value.rank == 3, "attention expects [B, L, H·D]")
    let (B, Lq, HD) = (query.shape[0], query.shape[1], query.shape[2])
    let Lk = key.shape[1]
    precondition(
      key.shape == [B, Lk, HD] && value.shape == [B, Lk, HD],
      "attention: q \(query.shape) k \(key.shape) v \(value.shape)")
    precondition(HD % heads == 0, "attention: \(HD) channels not divisible by \(heads) heads")
    let g = AttentionGeometry(
      batch: B, heads: heads, queryLength: Lq, keyLength: Lk, headDim: HD / heads, scale: scale)
    let q = query.contiguous(dtype: .f32)
    let k = key.contiguous(dtype: .f32)
    let v = value.contiguous(dtype: .f32)
    var mask: [UInt8]? = nil
    if let keyMask {
      precondition(keyMask.shape == [B, Lk], "attention: keyMask \(keyMask.shape) ≠ [\(B), \(Lk)]")
      mask = keyMask.scalars.map { $0 != 0 ? 1 : 0 }
    }
    var out = Tensor(uninitializedShape: [B, Lq, HD])
    let lse = Tensor(uninitializedShape: [B, heads, Lq])
    FLOPCounter.add(g.flops)
    // At bf16 precision the products take bf16 operands (fp32 sums, fp32 softmax), as the
    // convolutions and linear layers do; the rounded q, k, v are kept for the backward.
    let rounded =
      ComputePrecision.current == .bf16 && AttentionKernels.bf16Available
      ? (q.contiguous(dtype: .bf16), k.contiguous(dtype: .bf16), v.contiguous(dtype: .bf16))
      : nil
    func bf16Inputs(gradOut: Tensor? = nil) -> AttentionBF16Inputs? {
      rounded.map {
        AttentionBF16Inputs(
          q: $0.0.bf16Pointer, k: $0.1.bf16Pointer, v: $0.2.bf16Pointer,
          gradOut: gradOut.map { UnsafePointer($0.bf16Pointer) })
      }
    }
    withOptionalPointer(mask) { m in
      AttentionKernels.forward(
        g, q: q.floatPointer, k: k.floatPointer, v: v.floatPointer, keyMask: m,
        out: out.floatPointer, logsumexp: lse.floatPointer, bf16: bf16Inputs())
    }
    let saved = out
    out.node = GradNode.make(query, key, value, op: "attention") { dout, _ in
      let dout = dout.contiguous(dtype: .f32)
      let dout16 = rounded == nil ? nil : dout.contiguous(dtype: .bf16)
      let dq = Tensor(uninitializedShape: q.shape)
      let dk = Tensor(uninitializedShape: k.shape)
      let dv = Tensor(uninitializedShape: v.shape)
      withOptionalPointer(mask) { m in
        AttentionKernels.backward(
          g, q: q.floatPointer, k: k.floatPointer, v: v.floatPointer, keyMask: m,
          out: saved.floatPointer, logsumexp: lse.floatPointer, gradOut: dout.floatPointer,
          gradQ: dq.floatPointer, gradK: dk.floatPointer, gradV: dv.floatPointer,
          bf16: bf16Inputs(gradOut: dout16))
      }
      return [dq, dk, dv]
    }
    return out
  }

  /// The same attention composed from matmul, softmax and an additive mask (materialises the
  /// Lq×Lk scores): the oracle the fused op is tested against.
  public static func attentionComposite(
    query: Tensor, key: Tensor, value: Tensor, heads: Int, keyMask: Tensor? = nil,
    scale: Float? = nil
  ) -> Tensor {
    precondition(
      query.rank == 3 && key.rank == 3 && value.rank == 3, "attention expects [B, L, H·D]")
    let (B, Lq, HD) = (query.shape[0], query.shape[1], query.shape[2])
    let Lk = key.shape[1]
    precondition(
      key.shape == [B, Lk, HD] && value.shape == [B, Lk, HD],
      "attention: q \(query.shape) k \(key.shape) v \(value.shape)")
    precondition(HD % heads == 0, "attention: \(HD) channels not divisible by \(heads) heads")
    let D = HD / heads
    let s = scale ?? 1 / Float(D).squareRoot()
    let q = query.reshaped(to: [B, Lq, heads, D]).permuted([0, 2, 1, 3])
    let kT = key.reshaped(to: [B, Lk, heads, D]).permuted([0, 2, 3, 1]).contiguous()
    let v = value.reshaped(to: [B, Lk, heads, D]).permuted([0, 2, 1, 3]).contiguous()
    var scores = q.contiguous().matmul(kT) * s
    if let keyMask {
      precondition(keyMask.shape == [B, Lk], "attention: keyMask \(keyMask.shape) ≠ [\(B), \(Lk)]")
      // 0 → −1e30: masked keys get zero weight (a row with every key masked averages V).
      let additive = withNoGrad { (keyMask.detached() - 1) * 1e30 }.reshaped(to: [B, 1, 1, Lk])
      scores = scores + additive
    }
    let out = scores.softmax().matmul(v)
    return out.permuted([0, 2, 1, 3]).reshaped(to: [B, Lq, HD])
  }
}

private func withOptionalPointer<R>(_ a: [UInt8]?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
  guard let a else { return body(nil) }
  return a.withUnsafeBufferPointer { body($0.baseAddress) }
}
