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
