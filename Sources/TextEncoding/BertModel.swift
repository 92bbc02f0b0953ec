import Foundation
import NN
import Tensors

/// The fields of a Hugging Face BERT `config.json` the encoder uses.
public struct BertConfig: Sendable, Equatable {
  public var vocabSize: Int
  public var hiddenSize: Int
  public var layers: Int
  public var heads: Int
  public var intermediateSize: Int
  public var maxPositions: Int
  public var typeVocabSize: Int
  public var layerNormEps: Float
  public var activation: Activation

  public enum Activation: String, Sendable { case gelu, geluTanh, relu }

  public init(contentsOf url: URL) throws { try self.init(json: try JSONObject(url)) }

  /// `config.json`'s bytes; `path` names the file in errors.
  public init(data: Data, path: String = "config.json") throws {
    try self.init(json: try JSONObject(data: data, path: path, line: 0))
  }

  /// Every size is range-checked before it is used (BERT-large is 1024 wide, 24 layers).
  init(json o: JSONObject) throws {
    vocabSize = try o.int("vocab_size", in: 4...1_000_000)
    hiddenSize = try o.int("hidden_size", in: 1...16_384)
    layers = try o.int("num_hidden_layers", in: 1...256)
    heads = try o.int("num_attention_heads", in: 1...1_024)
    intermediateSize = try o.int("intermediate_size", in: 1...65_536)
    maxPositions = try o.int("max_position_embeddings", in: 1...65_536, default: 512)
    typeVocabSize = try o.int("type_vocab_size", in: 1...1_024, default: 2)
    layerNormEps = Float(try o.double("layer_norm_eps", default: 1e-12))
    guard layerNormEps.isFinite, layerNormEps > 0, layerNormEps < 1 else {
      throw o.fail("layer_norm_eps", "must be in (0, 1)")
    }
    switch try o.string("hidden_act", default: "gelu") {
    case "gelu": activation = .gelu
    case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
    case "relu": activation = .relu
    case let other: throw o.fail("hidden_act", "unsupported activation \(other)")
    }
    let positions = try o.string("position_embedding_type", default: "absolute")
    guard positions == "absolute" else {
      throw o.fail("position_embedding_type", "only absolute positions are supported")
    }
    guard hiddenSize % heads == 0 else {
      throw o.fail("num_attention_heads", "\(heads) does not divide hidden_size \(hiddenSize)")
    }
  }
}

/// A weight holder without initialisation work: loading replaces every value.
final class Weight: Module {
  let weight: Parameter
  let bias: Parameter?
  init(_ shape: [Int], bias: Int?) {
    weight = Parameter(Tensor.zeros(shape))
    self.bias = bias.map { Parameter(Tensor.zeros([$0])) }
  }
  var ownParameters: [(String, Parameter)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }
  /// As a Linear layer: x·Wᵀ + b.
  func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight.value, bias: bias?.value) }
  /// As a LayerNorm's γ, β.
  func layerNorm(_ x: Tensor, eps: Float) -> Tensor {
    x.layerNorm(gamma: weight.value, beta: bias?.value, eps: eps)
  }
}

/// Named children from a literal list (module paths = HF state-dict keys).
class Node: Module {
  var children: [(String, any Module)] { [] }
}

/// BERT (Devlin et al. 2019) encoder, post-LayerNorm, as transformers' `BertModel`; parameter
/// paths are its state-dict keys (`encoder.layer.0.attention.self.query.weight`). Inference only.
///
/// x = LN(E_word[ids] + E_pos[0..<L] + E_type[0]); per layer:
/// x = LN(x + W_o·Attention(x)), x = LN(x + W_2·act(W_1·x)).
public final class BertModel: Module {
  public let config: BertConfig
  final class Embeddings: Node {
    let word: Weight, position: Weight, tokenType: Weight, norm: Weight
    init(_ c: BertConfig) {
      word = Weight([c.vocabSize, c.hiddenSize], bias: nil)
      position = Weight([c.maxPositions, c.hiddenSize], bias: nil)
      tokenType = Weight([c.typeVocabSize, c.hiddenSize], bias: nil)
      norm = Weight([c.hiddenSize], bias: c.hiddenSize)
    }
    override var children: [(String, any Module)] {
      [
        ("word_embeddings", word), ("position_embeddings", position),
        ("token_type_embeddings", tokenType), ("LayerNorm", norm),
      ]
    }
  }
  final class Layer: Node {
    let query: Weight, key: Weight, value: Weight, attentionOut: Weight, attentionNorm: Weight
    let intermediate: Weight, output: Weight, outputNorm: Weight
    init(_ c: BertConfig) {
      let d = c.hiddenSize
      query = Weight([d, d], bias: d)
      key = Weight([d, d], bias: d)
      value = Weight([d, d], bias: d)
      attentionOut = Weight([d, d], bias: d)
      attentionNorm = Weight([d], bias: d)
      intermediate = Weight([c.intermediateSize, d], bias: c.intermediateSize)
      output = Weight([d, c.intermediateSize], bias: d)
      outputNorm = Weight([d], bias: d)
    }
    override var children: [(String, any Module)] {
      [
        ("attention.self.query", query), ("attention.self.key", key),
        ("attention.self.value", value), ("attention.output.dense", attentionOut),
        ("attention.output.LayerNorm", attentionNorm), ("intermediate.dense", intermediate),
        ("output.dense", output), ("output.LayerNorm", outputNorm),
      ]
    }
  }
  let embeddings: Embeddings
  let layers: [Layer]

  public init(config: BertConfig) {
    self.config = config
    embeddings = Embeddings(config)
    layers = (0..<config.layers).map { _ in Layer(config) }
  }

  public var children: [(String, any Module)] {
    [("embeddings", embeddings)] + layers.enumerated().map { ("encoder.layer.\($0.offset)", $0.1) }
  }

  /// Last hidden states `[B, L, d]` for right-padded ids `[B][L]` with `mask` `[B, L]` (1 =
  /// token). Padded positions come out as they are; `TextEncoder` zeroes them.
  public func callAsFunction(ids: [[Int]], mask: Tensor) -> Tensor {
    let (B, L, d) = (ids.count, ids.first?.count ?? 0, config.hiddenSize)
    precondition(L <= config.maxPositions, "BERT: \(L) tokens > \(config.maxPositions) positions")
    let words = embeddings.word.weight.value.gatherRows(ids.flatMap { $0 }).reshaped(to: [B, L, d])
    let positions = embeddings.position.weight.value.slice(axis: 0, range: 0..<L)
    let type0 = embeddings.tokenType.weight.value.slice(axis: 0, range: 0..<1)
    var x = embeddings.norm.layerNorm(words + (positions + type0), eps: config.layerNormEps)
    for layer in layers {
      let a = Tensor.attention(
        query: layer.query(x), key: layer.key(x), value: layer.value(x), heads: config.heads,
        keyMask: mask)
      x = layer.attentionNorm.layerNorm(x + layer.attentionOut(a), eps: config.layerNormEps)
      var h = layer.intermediate(x)
      switch config.activation {
      case .gelu: h = h.gelu()
      case .geluTanh: h = h.gelu(approximation: .tanh)
      case .relu: h = h.relu()
      }
      x = layer.outputNorm.layerNorm(x + layer.output(h), eps: config.layerNormEps)
    }
    return x
  }
}
