import Foundation
import NN
import Tensors

/// A batch of encoded texts: right-padded to the longest, padding zeroed.
public struct EncodedText: Sendable {
  /// Last hidden states `[B, L, d]`; rows past `tokenCounts[b]` are 0.
  public var hiddenStates: Tensor
  /// `[B, L]`, 1 for a token, 0 for padding.
  public var mask: Tensor
  public var ids: [[Int]]
  public var tokenCounts: [Int] { ids.map(\.count) }
  /// Which texts were cut to the maximum length.
  public var truncated: [Bool]

  /// The same batch right-padded with zero states (mask 0) to `length` tokens.
  ///
  /// Conditioning for the U-Net is always padded to one fixed length (the encoder's maximum), in
  /// training and in generation alike, as Stable Diffusion pads CLIP to 77: the
  /// `addition_embed_type: "text"` embedding pools over every token, padding included (diffusers'
  /// `AttentionPooling` has no mask), so a prompt padded differently at generation than its
  /// captions were in training would be out of distribution.
  public func padded(to length: Int) -> EncodedText {
    let (B, L, d) = (hiddenStates.shape[0], hiddenStates.shape[1], hiddenStates.shape[2])
    precondition(length >= L, "cannot pad \(L) tokens down to \(length)")
    guard length > L else { return self }
    var copy = self
    copy.hiddenStates = Tensor.concatenate(
      [hiddenStates, Tensor.zeros([B, length - L, d])], axis: 1)
    copy.mask = Tensor.concatenate([mask, Tensor.zeros([B, length - L])], axis: 1)
    return copy
  }
}

/// A frozen text encoder loaded from a Hugging Face folder: BERT (`vocab.txt` or
/// `tokenizer.json`) or T5 (`spiece.model`), chosen by `config.json`'s `model_type`.
///
/// ```swift
/// let encoder = try TextEncoder.load()               // all-MiniLM-L6-v2 from the cache
/// let out = encoder.encode(["gold; metals in general", ""])
/// out.hiddenStates.shape                              // [2, 10, 384]
/// ```
public final class TextEncoder: @unchecked Sendable {
  enum Model {
    case bert(BertModel)
    case t5(T5EncoderModel)
  }

  public let name: String
  public let folder: URL
  /// Name plus the first 16 hex digits of the weights' SHA-256: what a caption cache is keyed by.
  public let identity: String
  public let weightsSHA256: String
  public let hiddenSize: Int
  public let maxLength: Int
  public let tokenizer: any TextTokenizer
  public let kind: String
  let model: Model

  /// Loads the folder. `expectedSHA256`, when given (or known for the name), must match.
  public init(folder: URL, name: String? = nil, maxLength: Int = 77, expectedSHA256: String? = nil)
    throws
  {
    self.folder = folder
    self.name = name ?? folder.lastPathComponent
    let configURL = folder.appendingPathComponent("config.json")
    let weights = folder.appendingPathComponent("model.safetensors")
    let config = try JSONObject(configURL)
    guard FileManager.default.fileExists(atPath: weights.path) else {
      throw TextEncodingError.missingFile(
        path: weights.path, hint: "The folder needs model.safetensors (PyTorch .bin is not read).")
    }
    let digest = try DigestMemo.digest(of: weights)
    if let expected = expectedSHA256 ?? EncoderCatalog.knownSHA256[self.name], expected != digest {
      throw TextEncodingError.checksumMismatch(
        path: weights.path, expected: expected, found: digest)
    }
    weightsSHA256 = digest
    identity = "\(self.name)@\(digest.prefix(16))"
    switch try config.string("model_type") {
    case "bert":
      let c = try BertConfig(contentsOf: configURL)
      let bert = BertModel(config: c)
      try WeightLoader.load(
        bert, from: weights, namespaces: ["embeddings.", "encoder."], prefixes: ["", "bert."])
      let vocab = folder.appendingPathComponent("vocab.txt")
      let json = folder.appendingPathComponent("tokenizer.json")
      if FileManager.default.fileExists(atPath: vocab.path) {
        tokenizer = try WordPieceTokenizer(vocabFile: vocab)
      } else if FileManager.default.fileExists(atPath: json.path) {
        tokenizer = try WordPieceTokenizer(tokenizerJSON: json)
      } else {
        throw TextEncodingError.missingFile(
          path: vocab.path, hint: "A BERT folder needs vocab.txt or tokenizer.json.")
      }
      self.maxLength = min(maxLength, c.maxPositions)
      hiddenSize = c.hiddenSize
      model = .bert(bert)
      kind = "bert"
    case "t5", "mt5", "umt5":
      let c = try T5Config(contentsOf: configURL)
      let t5 = T5EncoderModel(config: c)
      try WeightLoader.load(
        t5, from: weights, namespaces: ["encoder."],
        aliases: ["shared.weight": "encoder.embed_tokens.weight"])
      tokenizer = try SentencePieceTokenizer(
        contentsOf: folder.appendingPathComponent("spiece.model"))
      self.maxLength = maxLength
      hiddenSize = c.dModel
      model = .t5(t5)
      kind = "t5"
    case let other:
      throw TextEncodingError.unsupported(path: configURL.path, what: "model_type \(other)")
    }
    if tokenizer.vocabularySize > embeddingRows {
      throw TextEncodingError.badField(
        path: configURL.path, line: 0, field: "vocab_size",
        reason: "\(embeddingRows) rows but the tokenizer has \(tokenizer.vocabularySize) tokens")
    }
  }

  private var embeddingRows: Int {
    switch model {
    case .bert(let m): return m.config.vocabSize
    case .t5(let m): return m.config.vocabSize
    }
  }

  /// A catalog name (in the encoder cache) or a folder path; nil → the default encoder.
  public static func load(_ nameOrPath: String? = nil, maxLength: Int = 77) throws -> TextEncoder {
    let folder = try EncoderCatalog.resolve(nameOrPath)
    return try TextEncoder(folder: folder, maxLength: maxLength)
  }

  public func tokenize(_ text: String) -> TokenizedText {
    tokenizer.encode(text, maxLength: maxLength)
  }

  /// Tokenises and encodes `texts` as one batch (pad to the longest).
  public func encode(_ texts: [String]) -> EncodedText {
    let tokens = texts.map(tokenize)
    var out = encode(ids: tokens.map(\.ids))
    out.truncated = tokens.map(\.truncated)
    return out
  }

  /// Encodes token ids (each non-empty) as one right-padded batch, in fp32, without autodiff.
  public func encode(ids: [[Int]]) -> EncodedText {
    let B = ids.count
    let L = ids.map(\.count).max() ?? 0
    guard B > 0 && L > 0 else {
      return EncodedText(
        hiddenStates: Tensor.zeros([B, L, hiddenSize]), mask: Tensor.zeros([B, L]), ids: ids,
        truncated: Array(repeating: false, count: B))
    }
    let pad = 0
    let padded = ids.map { $0 + Array(repeating: pad, count: L - $0.count) }
    var maskValues = [Float](repeating: 0, count: B * L)
    for (b, row) in ids.enumerated() { for t in 0..<row.count { maskValues[b * L + t] = 1 } }
    let mask = Tensor(shape: [B, L], scalars: maskValues)
    let states = withNoGrad {
      ComputePrecision.with(.f32) { () -> Tensor in
        let h: Tensor
        switch model {
        case .bert(let m): h = m(ids: padded, mask: mask)
        case .t5(let m): h = m(ids: padded, mask: mask)
        }
        return h * mask.reshaped(to: [B, L, 1])
      }
    }
    return EncodedText(
      hiddenStates: states, mask: mask, ids: ids, truncated: Array(repeating: false, count: B))
  }

  /// Mask-weighted mean of the hidden states, `[B, d]` (sentence-transformers' mean pooling).
  public static func meanPooled(_ e: EncodedText) -> Tensor {
    let counts = e.mask.sum(alongAxes: [1], keepingDims: true).clamped(min: 1)
    return e.hiddenStates.sum(alongAxes: [1]) / counts
  }
}

/// SHA-256 of weight files, remembered per (path, size, modification time) for the process so
/// that loading one encoder twice hashes it once.
enum DigestMemo {
  nonisolated(unsafe) private static var known: [String: String] = [:]
  private static let lock = NSLock()

  static func digest(of url: URL) throws -> String {
    let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
    let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
    let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    let key = "\(url.standardizedFileURL.path)|\(size)|\(date)"
    if let d = lock.withLock({ known[key] }) { return d }
    let d = try SHA256.hexDigest(ofFile: url)
    lock.withLock { known[key] = d }
    return d
  }
}
