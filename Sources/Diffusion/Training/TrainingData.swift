import Tensors

/// Caption conditioning the trainer reads by data-set index: per caption, token embeddings
/// [L, D] and a padding mask [L] (1 = token, 0 = padding), all padded to the same L; plus the
/// encoding of the empty prompt that caption dropout substitutes (classifier-free guidance).
public protocol CaptionEmbeddings: Sendable {
  /// Rows for `indices`: text [B, L, D] and mask [B, L].
  func batch(indices: [Int]) -> (text: Tensor, mask: Tensor)
  /// The same with row b the empty prompt where `dropped[b]` (default: splices `empty` into
  /// `batch(indices:)`, which needs both padded to the same L).
  func batch(indices: [Int], dropped: [Bool]) -> (text: Tensor, mask: Tensor)
  /// The empty prompt: text [1, L, D], mask [1, L].
  var empty: (text: Tensor, mask: Tensor) { get }
  /// D.
  var dim: Int { get }
}

/// Encodes free-text prompts the same way as the captions (for preview grids).
public protocol PromptEncoder {
  /// text [B, L, D], mask [B, L] for `prompts`; "" is the unconditional prompt.
  func encode(_ prompts: [String]) throws -> (text: Tensor, mask: Tensor)
}

/// The images the trainer sees, independent of how they were stored: `count` greyscale
/// size × size images (0 = black ink, 255 = paper), and which of them train and validate.
public struct TrainingImages: Sendable {
  public let pixels: [UInt8]
  public let size: Int
  public let trainIndices: [Int]
  public let validationIndices: [Int]

  public init(pixels: [UInt8], size: Int, trainIndices: [Int], validationIndices: [Int]) {
    precondition(size > 0 && pixels.count % (size * size) == 0, "pixels are not N × \(size)²")
    let n = pixels.count / (size * size)
    precondition(
      (trainIndices + validationIndices).allSatisfy { $0 >= 0 && $0 < n }, "index outside 0..<\(n)")
    self.pixels = pixels
    self.size = size
    self.trainIndices = trainIndices
    self.validationIndices = validationIndices
  }

  /// x0 = pixel/127.5 − 1 for `indices`, NHWC [B, S, S, 1].
  public func batch(_ indices: [Int]) -> Tensor {
    let n = size * size
    let out = [Float](unsafeUninitializedCapacity: indices.count * n) { buf, count in
      pixels.withUnsafeBufferPointer { src in
        for (b, i) in indices.enumerated() {
          for k in 0..<n { buf[b * n + k] = Float(src[i * n + k]) / 127.5 - 1 }
        }
      }
      count = indices.count * n
    }
    return Tensor(shape: [indices.count, size, size, 1], scalars: out)
  }
}

extension CaptionEmbeddings {
  /// Rows for `indices`, with row b replaced by the empty prompt where `dropped[b]`.
  public func batch(indices: [Int], dropped: [Bool]) -> (text: Tensor, mask: Tensor) {
    let (text, mask) = batch(indices: indices)
    guard dropped.contains(true) else { return (text, mask) }
    let (et, em) = empty
    precondition(
      et.shape[1] == text.shape[1] && em.shape[1] == mask.shape[1],
      "empty prompt has \(et.shape[1]) tokens, captions \(text.shape[1])")
    var t = text.scalars
    var m = mask.scalars
    let (rowT, rowM) = (text.shape[1] * text.shape[2], mask.shape[1])
    let (e, f) = (et.scalars, em.scalars)
    for b in dropped.indices where dropped[b] {
      t.replaceSubrange(b * rowT..<(b + 1) * rowT, with: e)
      m.replaceSubrange(b * rowM..<(b + 1) * rowM, with: f)
    }
    return (Tensor(shape: text.shape, scalars: t), Tensor(shape: mask.shape, scalars: m))
  }
}

/// Fixed random embeddings per caption index (N(0, 1), stream "captions" of `seed`), a mask that
/// keeps the first 1 + (index mod L) tokens, and an all-zero empty prompt with one token: a
/// stand-in for a text encoder in tests and encoder-free runs.
public struct RandomCaptionEmbeddings: CaptionEmbeddings {
  public let count: Int
  public let tokens: Int
  public let dim: Int
  let table: [Float]

  public init(count: Int, tokens: Int, dim: Int, seed: UInt64 = 0) {
    var rng = RandomStream(seed: seed, name: "captions")
    self.count = count
    self.tokens = tokens
    self.dim = dim
    table = rng.normals(count * tokens * dim)
  }

  public func batch(indices: [Int]) -> (text: Tensor, mask: Tensor) {
    let row = tokens * dim
    var t: [Float] = []
    var m: [Float] = []
    t.reserveCapacity(indices.count * row)
    for i in indices {
      t += table[i * row..<(i + 1) * row]
      m += (0..<tokens).map { $0 <= i % tokens ? 1 : 0 }
    }
    return (
      Tensor(shape: [indices.count, tokens, dim], scalars: t),
      Tensor(shape: [indices.count, tokens], scalars: m)
    )
  }

  public var empty: (text: Tensor, mask: Tensor) {
    (
      Tensor.zeros([1, tokens, dim]),
      Tensor(shape: [1, tokens], scalars: (0..<tokens).map { $0 == 0 ? 1 : 0 })
    )
  }
}
