import Diffusion
import Foundation
import Imaging
import Tensors
import TextEncoding

/// A model folder ready to draw glyphs for the model figures, loaded the way `glyffuser
/// generate` loads it: the U-Net and schedule from the folder, the text encoder it names (or the
/// context's override), DPM-Solver++(2M) on the training schedule and prediction type.
struct ExplainModel {
  let pipeline: GlyphPipeline
  let encoder: TextEncoder
  let empty: GlyphPipeline.Conditioning
  let paddedLength: Int
  var sampleSize: Int { pipeline.unet.config.sampleSize }

  /// The model for `context`, loaded once per process and kept for the next model figure (`explain
  /// all` draws two; the text encoder alone takes seconds to load).
  static func shared(_ context: ExplainContext, figure: String) throws -> ExplainModel {
    let folder = try context.requireModel(for: figure).standardizedFileURL.path
    let key = "\(folder)|\(context.encoder ?? "")"
    return try ExplainModelCache.shared.model(for: key) {
      try ExplainModel(context, figure: figure)
    }
  }

  init(_ context: ExplainContext, figure: String) throws {
    let loaded = try ModelFolder.load(from: context.requireModel(for: figure))
    let encoder = try TextEncoder.load(context.encoder ?? loaded.record.textEncoder)
    guard encoder.hiddenSize == loaded.record.textDim else {
      throw ExplainModelError.encoderWidth(
        encoder: encoder.name, width: encoder.hiddenSize, expected: loaded.record.textDim)
    }
    let trained = try loaded.scheduler.settings()
    var settings = SamplerSettings(kind: .dpmSolverMultistep, schedule: trained.schedule)
    settings.prediction = trained.prediction
    pipeline = GlyphPipeline(unet: loaded.unet, settings: settings)
    self.encoder = encoder
    // Prompts are padded to the length the captions had in training, as `glyffuser generate`
    // does (`EncodedText.padded`: the text addition embedding pools over padding too).
    paddedLength = max(loaded.record.maxTokens, encoder.maxLength)
    let e = encoder.encode([""]).padded(to: paddedLength)
    empty = GlyphPipeline.Conditioning(text: e.hiddenStates, mask: e.mask)
  }

  /// `prompt` encoded and repeated for `count` images.
  func conditioning(_ prompt: String, count: Int) -> GlyphPipeline.Conditioning {
    let e = encoder.encode([prompt]).padded(to: paddedLength)
    return GlyphPipeline.Conditioning(
      text: e.hiddenStates.broadcasted(to: [count] + Array(e.hiddenStates.shape.dropFirst()))
        .contiguous(),
      mask: e.mask.broadcasted(to: [count, e.mask.shape[1]]).contiguous())
  }

  /// `count` glyphs for `prompt`; image i uses seed + i.
  func generate(
    _ prompt: String, count: Int, steps: Int, guidance: Float, seed: UInt64,
    onStep: TrajectoryCallback? = nil
  ) throws -> Tensor {
    try pipeline.generate(
      prompts: conditioning(prompt, count: count), empty: empty, steps: steps, guidance: guidance,
      seed: seed, onStep: onStep)
  }

  /// Upscale factor that shows a glyph at about `pixels` pixels.
  func scale(toAbout pixels: Int) -> Int { max(1, pixels / sampleSize) }
}

/// One loaded model per (folder, encoder) key for the life of the process.
final class ExplainModelCache: @unchecked Sendable {
  static let shared = ExplainModelCache()
  private let lock = NSLock()
  private var models: [String: ExplainModel] = [:]

  func model(for key: String, load: () throws -> ExplainModel) throws -> ExplainModel {
    lock.lock()
    defer { lock.unlock() }
    if let m = models[key] { return m }
    let m = try load()
    models[key] = m
    return m
  }
}

enum ExplainModelError: Error, CustomStringConvertible {
  case encoderWidth(encoder: String, width: Int, expected: Int)
  var description: String {
    switch self {
    case .encoderWidth(let name, let width, let expected):
      "encoder \(name) gives \(width)-d text; the model needs \(expected)-d"
    }
  }
}
