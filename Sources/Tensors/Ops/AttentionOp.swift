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
    let (B, Lq, Lk, HD) = attentionShape(query: query, key: key, value: value, heads: heads)
    let g = AttentionGeometry(
      batch: B, heads: heads, queryLength: Lq, keyLength: Lk, headDim: HD / heads, scale: scale)
    // At bf16 precision the products take bf16 operands (fp32 sums, fp32 softmax), as the
    // convolutions and linear layers do: q, k, v are used as bf16 (the bf16 projections' outputs
    // as they are, fp32 ones rounded once) and kept so for the backward; no fp32 copy is made.
    let useBF16 = ComputePrecision.current == .bf16 && AttentionKernels.bf16Available
    let dt: DType = useBF16 ? .bf16 : .f32
    let (q, k, v) = (
      query.contiguous(dtype: dt), key.contiguous(dtype: dt), value.contiguous(dtype: dt)
    )
    // Pointers into q, k, v, which the backward closure keeps alive (it captures them).
    let (q32, k32, v32) =
      useBF16 ? (nil, nil, nil) : (q.floatPointer, k.floatPointer, v.floatPointer)
    var mask: [UInt8]? = nil
    if let keyMask {
      precondition(keyMask.shape == [B, Lk], "attention: keyMask \(keyMask.shape) ≠ [\(B), \(Lk)]")
      mask = keyMask.scalars.map { $0 != 0 ? 1 : 0 }
    }
    var out = Tensor(uninitializedShape: [B, Lq, HD])
    let lse = Tensor(uninitializedShape: [B, heads, Lq])
    FLOPCounter.add(g.flops)
    func bf16Inputs(gradOut: Tensor? = nil) -> AttentionBF16Inputs? {
      guard useBF16 else { return nil }
      return AttentionBF16Inputs(
        q: q.bf16Pointer, k: k.bf16Pointer, v: v.bf16Pointer,
        gradOut: gradOut.map { UnsafePointer($0.bf16Pointer) })
    }
    withExtendedLifetime((q, k, v)) {
      withOptionalPointer(mask) { m in
        AttentionKernels.forward(
          g, q: q32, k: k32, v: v32, keyMask: m,
          out: out.floatPointer, logsumexp: lse.floatPointer, bf16: bf16Inputs())
      }
    }
    let saved = out
    out.node = GradNode.make(query, key, value, op: "attention") { dout, _ in
      let dout = dout.contiguous(dtype: .f32)
      let dout16 = useBF16 ? dout.contiguous(dtype: .bf16) : nil
      let dq = Tensor(uninitializedShape: q.shape)
      let dk = Tensor(uninitializedShape: k.shape)
      let dv = Tensor(uninitializedShape: v.shape)
      withExtendedLifetime((q, k, v)) {
        withOptionalPointer(mask) { m in
          AttentionKernels.backward(
            g, q: q32, k: k32, v: v32, keyMask: m,
            out: saved.floatPointer, logsumexp: lse.floatPointer, gradOut: dout.floatPointer,
            gradQ: dq.floatPointer, gradK: dk.floatPointer, gradV: dv.floatPointer,
            bf16: bf16Inputs(gradOut: dout16))
        }
      }
      return [dq, dk, dv]
    }
    return out
  }

  /// (batch, query length, key length, H·D) of an attention call, after checking that q, k and v
  /// are `[B, L, H·D]` with one B and H·D, and that H·D splits into `heads`.
  static func attentionShape(query: Tensor, key: Tensor, value: Tensor, heads: Int) -> (
    Int, Int, Int, Int
  ) {
    precondition(
      query.rank == 3 && key.rank == 3 && value.rank == 3, "attention expects [B, L, H·D]")
    let (B, Lq, HD) = (query.shape[0], query.shape[1], query.shape[2])
    let Lk = key.shape[1]
    precondition(
      key.shape == [B, Lk, HD] && value.shape == [B, Lk, HD],
      "attention: q \(query.shape) k \(key.shape) v \(value.shape)")
    precondition(HD % heads == 0, "attention: \(HD) channels not divisible by \(heads) heads")
    return (B, Lq, Lk, HD)
  }

  /// The same attention composed from matmul, softmax and an additive mask (materialises the
  /// Lq×Lk scores): the oracle the fused op is tested against.
  public static func attentionComposite(
    query: Tensor, key: Tensor, value: Tensor, heads: Int, keyMask: Tensor? = nil,
    scale: Float? = nil
  ) -> Tensor {
    let (B, Lq, Lk, HD) = attentionShape(query: query, key: key, value: value, heads: heads)
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
