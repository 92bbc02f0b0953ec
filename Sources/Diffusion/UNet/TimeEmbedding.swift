import Foundation
import NN
import Tensors

/// Sinusoidal timestep features (Vaswani et al. 2017 §3.5; diffusers `get_timestep_embedding`):
/// with h = dim/2 and ωᵢ = exp(−ln(10000)·i/(h − shift)), features are [sin(tωᵢ), cos(tωᵢ)],
/// or [cos, sin] when `flipSinToCos`.
public func timestepFeatures(_ timesteps: [Float], dim: Int, flipSinToCos: Bool, shift: Float)
  -> Tensor
{
  let half = dim / 2
  var out = [Float](repeating: 0, count: timesteps.count * dim)
  for (b, t) in timesteps.enumerated() {
    for i in 0..<half {
      let exponent = -Foundation.log(10000.0) * Double(i) / (Double(half) - Double(shift))
      // torch computes exp() in fp32 and the product in fp32: do the same for bit-closeness.
      let freq = Float(Foundation.exp(Float(exponent)))
      let arg = t * freq
      let (s, c) = (Foundation.sin(arg), Foundation.cos(arg))
      out[b * dim + i] = flipSinToCos ? c : s
      out[b * dim + half + i] = flipSinToCos ? s : c
    }
  }
  return Tensor(shape: [timesteps.count, dim], scalars: out)
}

/// diffusers `TimestepEmbedding`: linear_1 → SiLU → linear_2.
public final class TimestepEmbedding: Module {
  public let linear1: Linear
  public let linear2: Linear

  public init(_ inDim: Int, _ outDim: Int, stream: inout RandomStream) {
    linear1 = Linear(inDim, outDim, stream: &stream)
    linear2 = Linear(outDim, outDim, stream: &stream)
  }

  public var children: [(String, any Module)] { [("linear_1", linear1), ("linear_2", linear2)] }

  public func callAsFunction(_ x: Tensor) -> Tensor { linear2(linear1(x).silu()) }
}

/// diffusers `AttentionPooling` (from DeepFloyd IF): a class token (mean of the tokens plus a
/// learned position) attends over itself and the tokens; returns that token, `[B, E]`.
public final class AttentionPooling: Module {
  public let positionalEmbedding: Parameter
  public let kProj: Linear
  public let qProj: Linear
  public let vProj: Linear
  public let heads: Int

  public init(heads: Int, dim: Int, stream: inout RandomStream) {
    self.heads = heads
    positionalEmbedding = Parameter(
      Tensor.randomNormal([1, dim], stream: &stream) / Float(dim).squareRoot())
    kProj = Linear(dim, dim, stream: &stream)
    qProj = Linear(dim, dim, stream: &stream)
    vProj = Linear(dim, dim, stream: &stream)
  }

  public var ownParameters: [(String, Parameter)] {
    [("positional_embedding", positionalEmbedding)]
  }
  public var children: [(String, any Module)] {
    [("k_proj", kProj), ("q_proj", qProj), ("v_proj", vProj)]
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    let (B, _, E) = (x.shape[0], x.shape[1], x.shape[2])
    let cls = x.mean(alongAxes: [1], keepingDims: true) + positionalEmbedding.value
    let all = Tensor.concatenate([cls, x], axis: 1)
    // q·scale and k·scale with scale = d^(−1/4) each, i.e. 1/√d on the product.
    let out = Tensor.attention(
      query: qProj(cls), key: kProj(all), value: vProj(all), heads: heads,
      scale: 1 / Float(E / heads).squareRoot())
    return out.reshaped(to: [B, E])
  }
}

/// diffusers `TextTimeEmbedding` (`addition_embed_type: "text"`): LayerNorm → attention
/// pooling → Linear → LayerNorm, added to the time embedding.
public final class TextTimeEmbedding: Module {
  public let norm1: LayerNorm
  public let pool: AttentionPooling
  public let proj: Linear
  public let norm2: LayerNorm

  public init(encoderDim: Int, timeEmbedDim: Int, heads: Int, stream: inout RandomStream) {
    norm1 = LayerNorm(encoderDim)
    pool = AttentionPooling(heads: heads, dim: encoderDim, stream: &stream)
    proj = Linear(encoderDim, timeEmbedDim, stream: &stream)
    norm2 = LayerNorm(timeEmbedDim)
  }

  public var children: [(String, any Module)] {
    [("norm1", norm1), ("pool", pool), ("proj", proj), ("norm2", norm2)]
  }

  public func callAsFunction(_ text: Tensor) -> Tensor { norm2(proj(pool(norm1(text)))) }
}
