import Foundation
import Tensors
import TextEncoding

/// A model folder ready to draw glyphs for prompts: the U-Net and schedule from the folder, the
/// text encoder it names (or an override), a sampler on the training schedule and prediction
/// type and timestep spacing, and prompts encoded the way the captions were in training (zero-padded to the encoder's
/// maximum, `EncodedText.padded`). Used by `glyffuser generate` and the model figures.
public struct GlyphGenerator {
  public let pipeline: GlyphPipeline
  public let encoder: TextEncoder
  /// The empty prompt (classifier-free guidance), one row.
  public let empty: GlyphPipeline.Conditioning
  public let paddedLength: Int
  /// The model folder's `glyffuser.json` (encoder, preset, training steps).
  public let record: ModelFolder.Record
  public var sampleSize: Int { pipeline.unet.config.sampleSize }

  /// `sampler` picks the sampler for the model's schedule (default DPM-Solver++(2M)); its
  /// prediction type is always the model's.
  public init(
    model: URL, encoder name: String? = nil,
    sampler: (NoiseSchedule) -> SamplerSettings = {
      SamplerSettings(kind: .dpmSolverMultistep, schedule: $0)
    }
  ) throws {
    let loaded = try ModelFolder.load(from: model)
    try self.init(
      loaded: loaded, encoder: try TextEncoder.load(name ?? loaded.record.textEncoder),
      sampler: sampler)
  }

  /// A model already in memory (training's `--eval-every` draws with the live U-Net, its EMA
  /// weights swapped in) and a loaded encoder.
  public init(
    loaded: ModelFolder.Loaded, encoder: TextEncoder,
    sampler: (NoiseSchedule) -> SamplerSettings = {
      SamplerSettings(kind: .dpmSolverMultistep, schedule: $0)
    }
  ) throws {
    guard encoder.hiddenSize == loaded.record.textDim else {
      throw GlyphGeneratorError.encoderWidth(
        encoder: encoder.name, width: encoder.hiddenSize, expected: loaded.record.textDim)
    }
    let trained = try loaded.scheduler.settings()
    var settings = sampler(trained.schedule)
    settings.prediction = trained.prediction
    // As diffusers' `from_config`: a timestep spacing the model's config names carries over to
    // whichever sampler is chosen (zero-terminal-SNR models need "trailing", Lin et al. §3.3).
    if loaded.scheduler.timestepSpacing != nil { settings.spacing = trained.spacing }
    pipeline = GlyphPipeline(unet: loaded.unet, settings: settings)
    self.encoder = encoder
    record = loaded.record
    paddedLength = max(loaded.record.maxTokens, encoder.maxLength)
    let e = encoder.encode([""]).padded(to: paddedLength)
    empty = GlyphPipeline.Conditioning(text: e.hiddenStates, mask: e.mask)
  }

  /// `prompt` encoded and repeated for `count` images.
  public func conditioning(_ prompt: String, count: Int) -> GlyphPipeline.Conditioning {
    let e = encoder.encode([prompt]).padded(to: paddedLength)
    return GlyphPipeline.Conditioning(
      text: e.hiddenStates.broadcasted(to: [count] + Array(e.hiddenStates.shape.dropFirst()))
        .contiguous(),
      mask: e.mask.broadcasted(to: [count, e.mask.shape[1]]).contiguous())
  }

  /// Whether the encoder cuts `prompt` to its maximum length.
  public func truncates(_ prompt: String) -> Bool { encoder.encode([prompt]).truncated[0] }

  /// `count` glyphs for `prompt`; image i uses seed + i.
  public func generate(
    _ prompt: String, count: Int, steps: Int, guidance: Float, seed: UInt64,
    onStep: TrajectoryCallback? = nil
  ) throws -> Tensor {
    try pipeline.generate(
      prompts: conditioning(prompt, count: count), empty: empty, steps: steps, guidance: guidance,
      seed: seed, onStep: onStep)
  }

  /// Upscale factor that shows a glyph at about `pixels` pixels.
  public func scale(toAbout pixels: Int) -> Int { max(1, pixels / sampleSize) }
}

public enum GlyphGeneratorError: Error, CustomStringConvertible {
  case encoderWidth(encoder: String, width: Int, expected: Int)
  public var description: String {
    switch self {
    case .encoderWidth(let name, let width, let expected):
      "encoder \(name) gives \(width)-d text; the model needs \(expected)-d"
    }
  }
}
