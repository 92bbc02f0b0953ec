import GlyphData
import Tensors

/// The super-resolution stage's recipe beyond the trainer's: how much smaller its condition is,
/// the crop it trains on, and the noise that augments the condition. Stored in the training
/// config, so `--resume` keeps it.
public struct SuperResolutionSettings: Sendable, Codable, Equatable {
  /// What the network learns.
  public enum Objective: String, Sendable, Codable, Equatable, CaseIterable {
    /// A denoiser of the high-resolution glyph given the low-resolution one (SR3).
    case diffusion
    /// The fast baseline: the same network maps the condition alone (x_t channel 0, t = 0) to
    /// the high-resolution glyph in one call, trained with the plain L2 loss — a regression
    /// upsampler, whose output is the conditional mean (blurred where strokes are uncertain).
    case regression
  }

  public var objective = Objective.diffusion
  /// High-resolution side ÷ low-resolution side (128 px from 32 px: 4).
  public var factor = 4
  /// Side of the training crops (the network is fully convolutional: it samples whole glyphs).
  public var crop = 64
  /// Noise-conditioning augmentation (Imagen, Saharia et al. 2022, §2.5; Ho et al. 2021,
  /// "Cascaded Diffusion Models"): in training the low-resolution glyph gets Gaussian noise of a
  /// standard deviation drawn uniformly from [0, augmentation] (in the [−1, 1] pixel scale)
  /// before it is upsampled, so the stage tolerates a base model's imperfect glyphs. The level
  /// is not given to the network (it reads it from its input).
  public var augmentation: Float = 0.1

  public init(
    factor: Int = 4, crop: Int = 64, augmentation: Float = 0.1, objective: Objective = .diffusion
  ) {
    self.objective = objective
    self.factor = factor
    self.crop = crop
    self.augmentation = augmentation
  }

  func validate(size: Int) throws(TrainingError) {
    func fail(_ field: String, _ why: String) -> TrainingError { .invalidConfig(field: field, why) }
    guard factor >= 2, size % factor == 0 else {
      throw fail("superResolution.factor", "\(factor) does not divide \(size) px images")
    }
    guard crop >= 8, crop <= size else {
      throw fail("superResolution.crop", "\(crop) must be in 8…\(size)")
    }
    guard augmentation.isFinite, augmentation >= 0, augmentation <= 1 else {
      throw fail("superResolution.augmentation", "must be in [0, 1], got \(augmentation)")
    }
  }
}

/// High-resolution glyphs paired with their low-resolution versions: the examples of the
/// super-resolution stage. The low-resolution glyph is the box downsample every 32 px consumer
/// sees (`GlyphDownsample`), mapped to [−1, 1], optionally noised, upsampled bilinearly to the
/// full size (`GlyphUpsample`) and cropped at the same place as x0 — so a crop's condition is
/// exactly the corresponding part of the whole glyph's.
public struct SuperResolutionPairs: TrainingExamples {
  public let high: TrainingImages
  /// The low-resolution glyphs, N × (S/f)² bytes.
  public let low: [UInt8]
  public let settings: SuperResolutionSettings

  public init(images: TrainingImages, settings: SuperResolutionSettings) throws(TrainingError) {
    try settings.validate(size: images.size)
    high = images
    self.settings = settings
    low = GlyphDownsample.box(
      images.pixels, count: images.pixels.count / (images.size * images.size), from: images.size,
      to: images.size / settings.factor)
  }

  public var trainIndices: [Int] { high.trainIndices }
  public var validationIndices: [Int] { high.validationIndices }
  public var sampleSize: Int { settings.crop }
  public var lowSize: Int { high.size / settings.factor }

  /// The low-resolution glyphs of `indices` in [−1, 1], `[B, s, s, 1]`.
  public func lowResolution(_ indices: [Int]) -> Tensor {
    let n = lowSize * lowSize
    var v = [Float](repeating: 0, count: indices.count * n)
    for (b, i) in indices.enumerated() {
      for k in 0..<n { v[b * n + k] = Float(low[i * n + k]) / 127.5 - 1 }
    }
    return Tensor(shape: [indices.count, lowSize, lowSize, 1], scalars: v)
  }

  public func trainingBatch(
    _ indices: [Int], config: TrainingConfig, random: inout RandomStream
  ) -> TrainingBatch {
    let limit = high.size - settings.crop
    // Per example: crop corner, then augmentation level; then the augmentation noise.
    let corners = indices.map { _ in
      (random.nextInt(below: limit + 1), random.nextInt(below: limit + 1))
    }
    let levels = indices.map { _ in random.nextUniform() * settings.augmentation }
    var lowValues = lowResolution(indices).scalars
    if settings.augmentation > 0 {
      let n = lowSize * lowSize
      let noise = random.normals(lowValues.count)
      for b in indices.indices {
        for k in 0..<n { lowValues[b * n + k] += levels[b] * noise[b * n + k] }
      }
    }
    return batch(indices, corners: corners, low: lowValues)
  }

  /// The centre crop of each glyph, no augmentation.
  public func validationBatch(_ indices: [Int]) -> TrainingBatch {
    let c = (high.size - settings.crop) / 2
    return batch(
      indices, corners: Array(repeating: (c, c), count: indices.count),
      low: lowResolution(indices).scalars)
  }

  func batch(_ indices: [Int], corners: [(Int, Int)], low lowValues: [Float]) -> TrainingBatch {
    let (s, c) = (high.size, settings.crop)
    let up = GlyphUpsample.upsample(
      lowValues, count: indices.count, side: lowSize, factor: settings.factor, kernel: .bilinear)
    var x0 = [Float](repeating: 0, count: indices.count * c * c)
    var cond = [Float](repeating: 0, count: indices.count * c * c)
    high.pixels.withUnsafeBufferPointer { px in
      for (b, i) in indices.enumerated() {
        let (y0, x0Corner) = corners[b]
        for y in 0..<c {
          for x in 0..<c {
            let src = (y0 + y) * s + x0Corner + x
            x0[(b * c + y) * c + x] = Float(px[i * s * s + src]) / 127.5 - 1
            cond[(b * c + y) * c + x] = up[b * s * s + src]
          }
        }
      }
    }
    return TrainingBatch(
      x0: Tensor(shape: [indices.count, c, c, 1], scalars: x0),
      conditioning: .channels(Tensor(shape: [indices.count, c, c, 1], scalars: cond)))
  }

  public func check(against config: UNetConfig) throws {
    guard config.modelClass == .unet2D, config.inChannels == 2, config.outChannels == 1 else {
      throw TrainingError.notEnoughData(
        "the super-resolution stage trains a UNet2DModel with 2 input channels (x_t and the "
          + "upsampled glyph) and 1 output")
    }
    let factor = 1 << (config.blockOutChannels.count - 1)
    guard settings.crop % factor == 0 else {
      throw TrainingError.notEnoughData(
        "crop \(settings.crop) px is not divisible by the network's \(factor)× downsampling")
    }
    guard config.sampleSize == high.size else {
      throw TrainingError.notEnoughData(
        "images are \(high.size) px, the model's sample size is \(config.sampleSize)")
    }
  }
}
