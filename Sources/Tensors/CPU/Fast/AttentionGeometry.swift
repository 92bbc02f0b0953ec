/// Shape of one scaled-dot-product attention call.
///
/// Layout (tokens-major, heads interleaved, as a Linear projection produces them), all contiguous
/// fp32:
/// - q, out, gradOut, gradQ: [B, Lq, H, D]
/// - k, v, gradK, gradV: [B, Lk, H, D]
/// - keyMask: [B, Lk] UInt8, 1 = attend, 0 = masked (optional)
/// - logsumexp: [B, H, Lq]
///
/// out[b, i, h] = Σ_j softmax_j(scale · q[b, i, h] · k[b, j, h]) · v[b, j, h]
public struct AttentionGeometry: Hashable, Sendable {
  public var batch: Int
  public var heads: Int
  public var queryLength: Int
  public var keyLength: Int
  public var headDim: Int
  /// Multiplies q·k before the softmax; 1/√D by default.
  public var scale: Float

  public init(
    batch: Int, heads: Int, queryLength: Int, keyLength: Int, headDim: Int, scale: Float? = nil
  ) {
    precondition(
      batch >= 0 && heads >= 0 && queryLength >= 0 && keyLength >= 0 && headDim > 0,
      "AttentionGeometry: invalid B=\(batch) H=\(heads) Lq=\(queryLength) Lk=\(keyLength) D=\(headDim)"
    )
    self.batch = batch
    self.heads = heads
    self.queryLength = queryLength
    self.keyLength = keyLength
    self.headDim = headDim
    self.scale = scale ?? 1 / Float(headDim).squareRoot()
  }

  /// Elements of q / out ([B, Lq, H, D]).
  public var queryElements: Int { batch * queryLength * heads * headDim }
  /// Elements of k / v ([B, Lk, H, D]).
  public var keyElements: Int { batch * keyLength * heads * headDim }
  /// Elements of logsumexp ([B, H, Lq]).
  public var rowCount: Int { batch * heads * queryLength }

  /// Forward floating-point operations: two matrix products (QKᵀ and PV), 2·Lq·Lk·D each,
  /// per (batch, head) — the count PyTorch's flop counter uses; softmax is not counted.
  public var flops: Double {
    4 * Double(batch) * Double(heads) * Double(queryLength) * Double(keyLength) * Double(headDim)
  }

  /// Backward operations: five matrix products (S recomputed, dV, dP, dQ, dK) — 2.5 × `flops`.
  public var backwardFlops: Double { 2.5 * flops }
}
