import Tensors

/// What the network is conditioned on, for one batch.
public enum DenoiserConditioning {
  /// Text tokens `[B, L, D]` with their padding mask `[B, L]` (1 = token): a
  /// `UNet2DConditionModel`.
  case text(Tensor, mask: Tensor)
  /// Channels concatenated to x_t, `[B, H, W, C]`: a `UNet2DModel` whose extra input channels
  /// carry the condition (the super-resolution stage's upsampled low-resolution glyph).
  case channels(Tensor)
}

/// One batch as the trainer uses it: the clean images x0 `[B, S, S, 1]` in [−1, 1] and their
/// conditioning.
public struct TrainingBatch {
  public var x0: Tensor
  public var conditioning: DenoiserConditioning

  public init(x0: Tensor, conditioning: DenoiserConditioning) {
    self.x0 = x0
    self.conditioning = conditioning
  }
}

/// The examples a `Trainer` learns from, by data-set index: captioned glyphs for the
/// text-to-glyph model (`CaptionedGlyphs`), crops paired with their low-resolution versions for
/// the super-resolution stage (`SuperResolutionPairs`).
public protocol TrainingExamples: Sendable {
  var trainIndices: [Int] { get }
  var validationIndices: [Int] { get }
  /// Side of x0 in pixels.
  var sampleSize: Int { get }
  /// A training batch; every random choice (caption dropout, crop, augmentation) is drawn from
  /// `random`, so a run stays a pure function of its seed.
  func trainingBatch(_ indices: [Int], config: TrainingConfig, random: inout RandomStream)
    -> TrainingBatch
  /// A held-out batch: the same every time, nothing dropped or augmented.
  func validationBatch(_ indices: [Int]) -> TrainingBatch
  /// Throws `TrainingError.notEnoughData` naming what does not fit `config`.
  func check(against config: UNetConfig) throws
}

extension UNet2DConditionModel {
  /// The network's output for x_t under `conditioning` (text for a `UNet2DConditionModel`,
  /// concatenated channels for a `UNet2DModel`).
  public func callAsFunction(
    _ xt: Tensor, timesteps: [Float], conditioning: DenoiserConditioning
  ) -> Tensor {
    switch conditioning {
    case .text(let text, let mask): self(xt, timesteps: timesteps, text: text, mask: mask)
    case .channels(let c): self(Tensor.concatenate([xt, c], axis: 3), timesteps: timesteps)
    }
  }
}

/// Glyphs and their caption embeddings: the text-to-glyph model's examples. Captions are
/// replaced by the empty prompt with probability `captionDropout` (classifier-free guidance,
/// Ho & Salimans 2022).
public struct CaptionedGlyphs: TrainingExamples {
  public let images: TrainingImages
  public let captions: any CaptionEmbeddings

  public init(images: TrainingImages, captions: any CaptionEmbeddings) {
    self.images = images
    self.captions = captions
  }

  public var trainIndices: [Int] { images.trainIndices }
  public var validationIndices: [Int] { images.validationIndices }
  public var sampleSize: Int { images.size }

  public func trainingBatch(
    _ indices: [Int], config: TrainingConfig, random: inout RandomStream
  ) -> TrainingBatch {
    let x0 = images.batch(indices)
    let dropped = indices.map { _ in random.nextUniform() < config.captionDropout }
    let (text, mask) = captions.batch(indices: indices, dropped: dropped)
    return TrainingBatch(x0: x0, conditioning: .text(text, mask: mask))
  }

  public func validationBatch(_ indices: [Int]) -> TrainingBatch {
    let (text, mask) = captions.batch(indices: indices)
    return TrainingBatch(x0: images.batch(indices), conditioning: .text(text, mask: mask))
  }

  public func check(against config: UNetConfig) throws {
    guard config.takesText else {
      throw TrainingError.notEnoughData("captioned glyphs train a UNet2DConditionModel")
    }
    guard images.size == config.sampleSize else {
      throw TrainingError.notEnoughData(
        "images are \(images.size) px, the model's sample size is \(config.sampleSize)")
    }
    guard captions.dim == config.textDim else {
      throw TrainingError.notEnoughData(
        "caption embeddings have dimension \(captions.dim), the model expects \(config.textDim)")
    }
  }
}
