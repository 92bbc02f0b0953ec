import Foundation
import GlyphData
import Tensors
import TextEncoding

/// What a built data set and its caption cache give the trainer: the images at the model's
/// size, the cached caption embeddings, and the text encoder for preview prompts, each padded
/// the way `generate` pads (`EncodedText.padded`: the "text" addition embedding pools over
/// padding, so the length must be the same everywhere).
extension TrainingImages {
  /// The data set's images box-downsampled by an integer factor to `size` (e.g. a 128 px data
  /// set for the 32 px `tiny` preset: each output pixel is the rounded mean of a 4 × 4 block),
  /// with the data set's train/validation split. `size` nil: the data set's own.
  public init(dataset data: GlyphDataset, size: Int? = nil) throws(TrainingError) {
    let target = size ?? data.size
    guard GlyphDownsample.divides(from: data.size, to: target) else {
      throw .notEnoughData(
        "data set images are \(data.size) px; the model needs \(target) px (build the data set"
          + " with --size \(target) or a multiple of it)")
    }
    self.init(
      pixels: GlyphDownsample.box(data.images, count: data.count, from: data.size, to: target),
      size: target, trainIndices: data.indices(in: .train),
      validationIndices: data.indices(in: .validation))
  }
}

/// The data set's caption cache as `CaptionEmbeddings`: caption index = data-set index; every
/// batch is right-padded to the cache's maximum length, dropped rows get the empty prompt.
public struct CachedCaptionEmbeddings: CaptionEmbeddings {
  public let cache: CaptionCache

  public init(cache: CaptionCache) { self.cache = cache }

  public var dim: Int { cache.hiddenSize }

  public func batch(indices: [Int]) -> (text: Tensor, mask: Tensor) {
    let b = cache.batch(indices, length: cache.maxLength)
    return (b.embeddings, b.mask)
  }

  public func batch(indices: [Int], dropped: [Bool]) -> (text: Tensor, mask: Tensor) {
    let b = cache.batch(zip(indices, dropped).map { $1 ? nil : $0 }, length: cache.maxLength)
    return (b.embeddings, b.mask)
  }

  public var empty: (text: Tensor, mask: Tensor) {
    let b = cache.batch([nil], length: cache.maxLength)
    return (b.embeddings, b.mask)
  }
}

/// A text encoder as the trainer's `PromptEncoder` (preview grids), padded like the captions.
public struct TextEncoderPrompts: PromptEncoder {
  public let encoder: TextEncoder
  public let length: Int

  public init(encoder: TextEncoder, length: Int) {
    self.encoder = encoder
    self.length = length
  }

  public func encode(_ prompts: [String]) throws -> (text: Tensor, mask: Tensor) {
    let e = encoder.encode(prompts).padded(to: length)
    return (e.hiddenStates, e.mask)
  }
}
