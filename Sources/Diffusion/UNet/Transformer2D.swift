import NN
import Tensors

/// diffusers `Attention` (attention processor 2.0 semantics): to_q/to_k/to_v without bias,
/// to_out.0 with bias; `heads` heads of width dim/heads; optional key-padding mask.
public final class CrossAttention: Module {
  public let toQ: Linear
  public let toK: Linear
  public let toV: Linear
  public let toOut: Linear
  public let heads: Int

  public init(queryDim: Int, contextDim: Int?, heads: Int, stream: inout RandomStream) {
    self.heads = heads
    toQ = Linear(queryDim, queryDim, bias: false, stream: &stream)
    toK = Linear(contextDim ?? queryDim, queryDim, bias: false, stream: &stream)
    toV = Linear(contextDim ?? queryDim, queryDim, bias: false, stream: &stream)
    toOut = Linear(queryDim, queryDim, stream: &stream)
  }

  public var children: [(String, any Module)] {
    [("to_q", toQ), ("to_k", toK), ("to_v", toV), ("to_out.0", toOut)]
  }

  /// `x [B, L, C]`; `context [B, Lk, Ctx]` (nil = self-attention); `mask [B, Lk]` 1/0.
  public func callAsFunction(_ x: Tensor, context: Tensor? = nil, mask: Tensor? = nil) -> Tensor {
    let ctx = context ?? x
    return toOut(
      Tensor.attention(query: toQ(x), key: toK(ctx), value: toV(ctx), heads: heads, keyMask: mask))
  }
}

/// GEGLU feed-forward (Shazeer 2020): ff.net.0.proj → h·gelu(gate) → ff.net.2, inner = 4·dim.
public final class FeedForward: Module {
  public let proj: Linear
  public let out: Linear

  public init(dim: Int, stream: inout RandomStream) {
    proj = Linear(dim, dim * 8, stream: &stream)
    out = Linear(dim * 4, dim, stream: &stream)
  }

  public var children: [(String, any Module)] { [("net.0.proj", proj), ("net.2", out)] }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    out(proj(x).geglu())
  }
}

/// diffusers `BasicTransformerBlock` (layer_norm): self-attention, cross-attention to the text,
/// GEGLU feed-forward, each pre-normalised and residual.
public final class BasicTransformerBlock: Module {
  public let norm1: LayerNorm
  public let attn1: CrossAttention
  public let norm2: LayerNorm
  public let attn2: CrossAttention
  public let norm3: LayerNorm
  public let ff: FeedForward

  public init(dim: Int, heads: Int, contextDim: Int, stream: inout RandomStream) {
    norm1 = LayerNorm(dim)
    attn1 = CrossAttention(queryDim: dim, contextDim: nil, heads: heads, stream: &stream)
    norm2 = LayerNorm(dim)
    attn2 = CrossAttention(queryDim: dim, contextDim: contextDim, heads: heads, stream: &stream)
    norm3 = LayerNorm(dim)
    ff = FeedForward(dim: dim, stream: &stream)
  }

  public var children: [(String, any Module)] {
    [
      ("norm1", norm1), ("attn1", attn1), ("norm2", norm2), ("attn2", attn2), ("norm3", norm3),
      ("ff", ff),
    ]
  }

  public func callAsFunction(_ x: Tensor, context: Tensor, mask: Tensor?) -> Tensor {
    // Each norm's output enters only linear layers (feedsProducts: bf16 at bf16 precision).
    var h = attn1(norm1(x, feedsProducts: true)) + x
    h = attn2(norm2(h, feedsProducts: true), context: context, mask: mask) + h
    return ff(norm3(h, feedsProducts: true)) + h
  }
}

/// diffusers `Transformer2DModel` (continuous input, conv projections, one block):
/// GroupNorm(ε = 1e-6) → proj_in (1×1) → tokens [B, H·W, C] → block → proj_out (1×1) → + x.
public final class Transformer2DModel: Module {
  public let norm: GroupNorm
  public let projIn: Conv2d
  public let block: BasicTransformerBlock
  public let projOut: Conv2d

  public init(channels: Int, heads: Int, contextDim: Int, groups: Int, stream: inout RandomStream) {
    norm = GroupNorm(groups: groups, channels: channels, eps: 1e-6)
    projIn = Conv2d(channels, channels, kernelSize: 1, stream: &stream)
    block = BasicTransformerBlock(
      dim: channels, heads: heads, contextDim: contextDim, stream: &stream)
    projOut = Conv2d(channels, channels, kernelSize: 1, stream: &stream)
  }

  public var children: [(String, any Module)] {
    [("norm", norm), ("proj_in", projIn), ("transformer_blocks.0", block), ("proj_out", projOut)]
  }

  public func callAsFunction(_ x: Tensor, context: Tensor, mask: Tensor?) -> Tensor {
    let (B, H, W, C) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let tokens = projIn(norm(x)).reshaped(to: [B, H * W, C])
    let y = block(tokens, context: context, mask: mask).reshaped(to: [B, H, W, C])
    return projOut(y) + x
  }
}
