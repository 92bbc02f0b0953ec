import Diffusion
import Foundation
import Imaging
import JobControl

/// The glyphs drawn for a list of prompts (`glyffuser generate`, `glyffuser compare`): `count`
/// per prompt, image i of prompt p from seed `seed + p·count + i` — so a glyph depends neither on
/// `batch` nor on the other prompts (`PerSampleNoise`) — in U-Net batches of `batch`.
public struct PromptRows {
  public let generator: GlyphGenerator
  public var count: Int
  public var batch: Int
  public var steps: Int
  public var guidance: Float
  public var seed: UInt64
  /// Hears of each batch: stage "generate", the glyphs drawn so far for the prompt, which is
  /// the `detail`.
  public var progress: ProgressHandler = { _ in }
  /// The cascade's second stage: when set, every batch is upsampled by it (its own sampler and
  /// steps; image i with the same seed as its base glyph).
  public var superResolution: SuperResolutionStage?

  /// The side of the glyphs drawn: the stage's output, else the base model's.
  public var outputSize: Int { superResolution?.size ?? generator.sampleSize }

  public init(
    generator: GlyphGenerator, count: Int, batch: Int, steps: Int, guidance: Float, seed: UInt64
  ) {
    precondition(count > 0 && batch > 0 && steps > 0, "count, batch and steps must be positive")
    self.generator = generator
    self.count = count
    self.batch = batch
    self.steps = steps
    self.guidance = guidance
    self.seed = seed
  }

  /// The seed of image `i` of prompt `p`.
  public func seed(prompt p: Int, image i: Int) -> UInt64 { seed &+ UInt64(p * count + i) }

  /// One row of images per prompt. `recorder`, when given, records every step of the first
  /// batch of the first prompt (make it for `min(batch, count)` images); `stageRecorder` the
  /// same batch's super-resolution steps.
  public func draw(
    _ prompts: [String], recorder: DenoisingFrames? = nil,
    stageRecorder: DenoisingFrames? = nil
  ) throws -> [[RasterImage]] {
    var rows: [[RasterImage]] = []
    for (p, prompt) in prompts.enumerated() {
      var images: [RasterImage] = []
      var start = 0
      while start < count {
        let n = min(batch, count - start)
        let first = p == 0 && start == 0
        var x = try generator.pipeline.generate(
          prompts: generator.conditioning(prompt, count: n), empty: generator.empty, steps: steps,
          guidance: guidance, seed: seed(prompt: p, image: start),
          onStep: first ? recorder?.record : nil)
        if let superResolution {
          // The base glyphs as bytes, as the stage was trained on (box-downsampled glyphs).
          let low = GlyphPixels.tensor(
            GlyphPixels.bytes(x), count: n, side: generator.sampleSize)
          x = try superResolution.upsample(
            low, seeds: (start..<start + n).map { seed(prompt: p, image: $0) },
            onStep: first ? stageRecorder?.record : nil)
        }
        images += GlyphImages.rasters(x)
        start += n
        progress(JobProgress(stage: "generate", done: start, total: count, detail: prompt))
      }
      rows.append(images)
    }
    return rows
  }

  /// The rows as one grid, prompts on the left, glyphs upscaled to about 96 px (128 px glyphs
  /// as drawn).
  public func grid(_ rows: [[RasterImage]], prompts: [String]) throws -> RasterImage {
    try ImageGrid.make(rows: rows, rowLabels: prompts, scale: max(1, 96 / outputSize))
  }
}
