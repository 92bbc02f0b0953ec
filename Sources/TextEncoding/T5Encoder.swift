import Foundation
import NN
import Tensors

/// The fields of a Hugging Face T5 `config.json` the encoder uses (t5-small … t5-v1_1, flan-t5).
public struct T5Config: Sendable, Equatable {
  public var vocabSize: Int
  public var dModel: Int
  public var dKV: Int
  public var dFF: Int
  public var layers: Int
  public var heads: Int
  public var buckets: Int
  public var maxDistance: Int
  public var eps: Float
  /// "relu" (t5-small) or gated "gelu_new" / "relu" / "silu" (t5-v1_1: `gated-gelu`).
  public var gated: Bool
  public var activation: Activation

  public enum Activation: String, Sendable { case relu, geluTanh, gelu, silu }

  public init(contentsOf url: URL) throws { try self.init(json: try JSONObject(url)) }

  /// `config.json`'s bytes; `path` names the file in errors.
  public init(data: Data, path: String = "config.json") throws {
    try self.init(json: try JSONObject(data: data, path: path, line: 0))
  }

  /// Every size is range-checked before it is used (t5-11b: d_model 1024, d_ff 65536, 24
  /// layers, 128 heads).
  init(json o: JSONObject) throws {
    vocabSize = try o.int("vocab_size", in: 4...1_000_000)
    dModel = try o.int("d_model", in: 1...16_384)
    dKV = try o.int("d_kv", in: 1...4_096)
    dFF = try o.int("d_ff", in: 1...131_072)
    layers = try o.int("num_layers", in: 1...256)
    heads = try o.int("num_heads", in: 1...1_024)
    // `bucket` needs at least one exact bucket per direction (n/4 ≥ 1) and a log range above it.
    buckets = try o.int("relative_attention_num_buckets", in: 4...1_024, default: 32)
    maxDistance = try o.int(
      "relative_attention_max_distance", in: (buckets / 4 + 1)...1_000_000, default: 128)
    eps = Float(try o.double("layer_norm_epsilon", default: 1e-6))
    guard eps.isFinite, eps > 0, eps < 1 else {
      throw o.fail("layer_norm_epsilon", "must be in (0, 1)")
    }
    let proj = try o.string("feed_forward_proj", default: "relu")
    gated = proj.hasPrefix("gated-")
    // As transformers' T5Config: the activation is the last word of feed_forward_proj, except
    // that "gated-gelu" means the tanh approximation ("gelu_new"); dense_act_fn overrides.
    let derived = proj == "gated-gelu" ? "gelu_new" : String(proj.split(separator: "-").last ?? "")
    switch try o.string("dense_act_fn", default: derived) {
    case "relu": activation = .relu
    case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
    case "gelu": activation = .gelu
    case "silu", "swish": activation = .silu
    default: throw o.fail("feed_forward_proj", "unsupported \(proj)")
    }
  }
}

/// The encoder half of T5 (Raffel et al. 2020), as transformers' `T5EncoderModel`: pre-norm
/// blocks with RMS norm (no mean, no bias: y = w·x/√(mean(x²) + ε)), attention without the
/// 1/√d scale plus a learned bias per head and relative-position bucket (from block 0, shared
/// by every block), ReLU or gated feed-forward. State-dict keys: `shared.weight`,
/// `encoder.block.0.layer.0.SelfAttention.q.weight`, … Inference only.
public final class T5EncoderModel: Module {
  public let config: T5Config
  final class Block: Node {
    let q: Weight, k: Weight, v: Weight, o: Weight, attentionNorm: Weight
    let relativeBias: Weight?
    let wi: Weight, wi1: Weight?, wo: Weight, ffNorm: Weight
    init(_ c: T5Config, first: Bool) {
      let inner = c.heads * c.dKV
      q = Weight([inner, c.dModel], bias: nil)
      k = Weight([inner, c.dModel], bias: nil)
      v = Weight([inner, c.dModel], bias: nil)
      o = Weight([c.dModel, inner], bias: nil)
      attentionNorm = Weight([c.dModel], bias: nil)
      relativeBias = first ? Weight([c.buckets, c.heads], bias: nil) : nil
      wi = Weight([c.dFF, c.dModel], bias: nil)
      wi1 = c.gated ? Weight([c.dFF, c.dModel], bias: nil) : nil
      wo = Weight([c.dModel, c.dFF], bias: nil)
      ffNorm = Weight([c.dModel], bias: nil)
    }
    override var children: [(String, any Module)] {
      var out: [(String, any Module)] = [
        ("layer.0.SelfAttention.q", q), ("layer.0.SelfAttention.k", k),
        ("layer.0.SelfAttention.v", v), ("layer.0.SelfAttention.o", o),
        ("layer.0.layer_norm", attentionNorm),
      ]
      if let relativeBias {
        out.append(("layer.0.SelfAttention.relative_attention_bias", relativeBias))
      }
      if let wi1 {
        out += [("layer.1.DenseReluDense.wi_0", wi), ("layer.1.DenseReluDense.wi_1", wi1)]
      } else {
        out.append(("layer.1.DenseReluDense.wi", wi))
      }
      out += [("layer.1.DenseReluDense.wo", wo), ("layer.1.layer_norm", ffNorm)]
      return out
    }
  }
  let shared: Weight
  let blocks: [Block]
  let finalNorm: Weight

  public init(config: T5Config) {
    self.config = config
    shared = Weight([config.vocabSize, config.dModel], bias: nil)
    blocks = (0..<config.layers).map { Block(config, first: $0 == 0) }
    finalNorm = Weight([config.dModel], bias: nil)
  }

  public var children: [(String, any Module)] {
    [("shared", shared)] + blocks.enumerated().map { ("encoder.block.\($0.offset)", $0.1) }
      + [("encoder.final_layer_norm", finalNorm)]
  }

  /// transformers' `_relative_position_bucket(j − i, bidirectional=True)`: half the buckets per
  /// direction; |Δ| < n/4 exact, larger distances log-spaced up to `maxDistance` (computed in
  /// fp32 as torch does).
  public static func bucket(_ relative: Int, buckets: Int, maxDistance: Int) -> Int {
    let half = buckets / 2
    let base = relative > 0 ? half : 0
    let n = Swift.abs(relative)
    let maxExact = half / 2
    if n < maxExact { return base + n }
    let ratio =
      Foundation.log(Float(n) / Float(maxExact))
      / Float(Foundation.log(Double(maxDistance) / Double(maxExact)))
    let large = maxExact + Int(ratio * Float(half - maxExact))
    return base + min(large, half - 1)
  }

  /// RMS norm over the last dimension (T5LayerNorm).
  static func rmsNorm(_ x: Tensor, _ w: Weight, eps: Float) -> Tensor {
    let ms = x.squared().mean(alongAxes: [-1], keepingDims: true)
    return x / (ms + eps).sqrt() * w.weight.value
  }

  /// Last hidden states `[B, L, d_model]` for right-padded `ids` with `mask` `[B, L]`.
  public func callAsFunction(ids: [[Int]], mask: Tensor) -> Tensor {
    let c = config
    let (B, L) = (ids.count, ids.first?.count ?? 0)
    var x = shared.weight.value.gatherRows(ids.flatMap { $0 }).reshaped(to: [B, L, c.dModel])
    // Position bias [1, H, L, L] from block 0's table, plus −1e9 on padded keys.
    let table = blocks[0].relativeBias!.weight.value.scalars
    var bias = [Float](repeating: 0, count: c.heads * L * L)
    for i in 0..<L {
      for j in 0..<L {
        let b = Self.bucket(j - i, buckets: c.buckets, maxDistance: c.maxDistance)
        for h in 0..<c.heads { bias[(h * L + i) * L + j] = table[b * c.heads + h] }
      }
    }
    let keyBias = ((mask - 1) * 1e9).reshaped(to: [B, 1, 1, L])
    let positionBias = Tensor(shape: [1, c.heads, L, L], scalars: bias) + keyBias
    for block in blocks {
      let h = Self.rmsNorm(x, block.attentionNorm, eps: c.eps)
      func heads(_ t: Tensor) -> Tensor {
        t.reshaped(to: [B, L, c.heads, c.dKV]).permuted([0, 2, 1, 3]).contiguous()
      }
      let q = heads(block.q(h))
      let kT = block.k(h).reshaped(to: [B, L, c.heads, c.dKV]).permuted([0, 2, 3, 1]).contiguous()
      let scores = (q.matmul(kT) + positionBias).softmax()
      let a = scores.matmul(heads(block.v(h))).permuted([0, 2, 1, 3]).reshaped(
        to: [B, L, c.heads * c.dKV])
      x = x + block.o(a)
      let f = Self.rmsNorm(x, block.ffNorm, eps: c.eps)
      var g = block.wi(f)
      switch c.activation {
      case .relu: g = g.relu()
      case .geluTanh: g = g.gelu(approximation: .tanh)
      case .gelu: g = g.gelu(approximation: .none)
      case .silu: g = g.silu()
      }
      if let wi1 = block.wi1 { g = g * wi1(f) }
      x = x + block.wo(g)
    }
    return Self.rmsNorm(x, finalNorm, eps: c.eps)
  }
}
