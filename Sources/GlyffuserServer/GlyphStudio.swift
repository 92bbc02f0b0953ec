import Diffusion
import Explain
import Foundation
import Imaging
import Tensors
import TextEncoding

/// The loaded model and text encoder the server draws with, kept in memory for its life, and one
/// generation at a time on a queue of its own (the engine uses both cores for one batch; two at
/// once would only halve each). Each step's x_t and predicted x₀ are reported as they are
/// computed, tiled as `glyffuser generate --animation` tiles them.
public final class GlyphStudio: @unchecked Sendable {
  /// One step of a running generation: the batch's x_t (at image scale) and predicted x₀ grids.
  public struct Step: Sendable {
    public var index: Int
    public var total: Int
    public var sample: RasterImage
    public var predictedOriginal: RasterImage
  }

  public struct Result: Sendable {
    public var images: [RasterImage]
    public var grid: RasterImage
    public var seconds: Double
  }

  public let model: ModelFolder.Loaded
  public let encoder: TextEncoder
  public let modelName: String
  /// The cascade's second stage, run after the model on every glyph when present.
  public let superResolution: SuperResolutionStage?
  /// The side of the glyphs the model draws, in pixels.
  public var baseSize: Int { model.unet.config.sampleSize }
  /// The side of the glyphs the studio returns: the stage's output when there is one.
  public var imageSize: Int { superResolution?.size ?? baseSize }
  private var generators: [SamplerName: GlyphGenerator] = [:]
  private let queue = DispatchQueue(label: "glyffuser.studio")
  /// Jobs allowed to wait behind the running one; a job beyond them is refused (`Busy`).
  public let queueLimit: Int
  private let lock = NSLock()
  private var admitted = 0

  /// The studio is running one job and `queueLimit` more are waiting (HTTP 429).
  public struct Busy: Error, CustomStringConvertible {
    public var waiting: Int
    public var description: String { "\(waiting) generations are already waiting; try again soon" }
  }

  public init(
    model url: URL, encoder name: String? = nil, queueLimit: Int = 8,
    superResolution: SuperResolutionStage? = nil
  ) throws {
    self.queueLimit = max(0, queueLimit)
    model = try ModelFolder.load(from: url)
    if let superResolution, superResolution.record.lowResolution != model.unet.config.sampleSize {
      throw ModelFolderError.notAModel(
        url.path,
        "the model draws \(model.unet.config.sampleSize) px glyphs; the super-resolution stage "
          + "upsamples \(superResolution.record.lowResolution) px")
    }
    self.superResolution = superResolution
    encoder = try TextEncoder.load(name ?? model.record.textEncoder)
    modelName = url.lastPathComponent
  }

  /// Draws `request` on the studio's queue, calling `onStep` after every sampler step (from that
  /// queue); `isCancelled` is polled at each step and stops the sampler.
  public func generate(
    _ request: GenerationRequest, onStep: @escaping @Sendable (Step) -> Void,
    isCancelled: @escaping @Sendable () -> Bool
  ) async throws -> Result {
    try await generate(request, ticket: try admit(), onStep: onStep, isCancelled: isCancelled)
  }

  /// As above, for a job already admitted (the server admits before it answers, so that a full
  /// queue is a 429, not an error inside a stream); the place is freed when the job ends.
  /// `onStart` is called when the job leaves the queue; a job cancelled while it waited ends
  /// there with `CancellationError` without sampling.
  public func generate(
    _ request: GenerationRequest, ticket: Ticket, onStart: @escaping @Sendable () -> Void = {},
    onStep: @escaping @Sendable (Step) -> Void, isCancelled: @escaping @Sendable () -> Bool
  ) async throws -> Result {
    defer { withExtendedLifetime(ticket) {} }
    return try await withCheckedThrowingContinuation { continuation in
      queue.async(
        execute: DispatchWorkItem {
          continuation.resume(
            with: Swift.Result {
              if isCancelled() { throw CancellationError() }
              onStart()
              return try self.run(request, onStep: onStep, isCancelled: isCancelled)
            })
        })
    }
  }

  /// A place in the studio for one job, given back when the ticket is released.
  public final class Ticket: @unchecked Sendable {
    private let release: () -> Void
    init(release: @escaping () -> Void) { self.release = release }
    deinit { release() }
  }

  /// Takes a place for a job: the running one plus `queueLimit` waiting, first come first served
  /// (the queue is serial and FIFO).
  public func admit() throws(Busy) -> Ticket {
    let waiting = lock.withLock { () -> Int? in
      guard admitted <= queueLimit else { return admitted - 1 }
      admitted += 1
      return nil
    }
    if let waiting { throw Busy(waiting: waiting) }
    return Ticket { [self] in lock.withLock { admitted -= 1 } }
  }

  private func generator(_ name: SamplerName) throws -> GlyphGenerator {
    if let g = generators[name] { return g }
    let g = try GlyphGenerator(loaded: model, encoder: encoder) { name.settings(schedule: $0) }
    generators[name] = g
    return g
  }

  private func run(
    _ request: GenerationRequest, onStep: @escaping @Sendable (Step) -> Void,
    isCancelled: @escaping @Sendable () -> Bool
  ) throws -> Result {
    let start = Date()
    let generator = try generator(request.sampler)
    let columns = Int(Double(request.count).squareRoot().rounded(.up))
    // Steps of both stages count toward one progress: the base model's, then the stage's.
    let stageSteps = superResolution?.reportedSteps ?? 0
    let total = request.steps + stageSteps
    func report(_ step: TrajectoryStep, offset: Int) throws {
      if isCancelled() { throw CancellationError() }
      let xt = GlyphImages.rasters(step.sample, scale: Float(step.sampleScale))
      let x0 = GlyphImages.rasters(step.predictedOriginal)
      onStep(
        Step(
          index: offset + step.index, total: total,
          sample: ImageGrid.tile(xt, columns: columns),
          predictedOriginal: ImageGrid.tile(x0, columns: columns)))
    }
    var x = try generator.generate(
      request.prompt, count: request.count, steps: request.steps, guidance: request.guidance,
      seed: request.seed
    ) { try report($0, offset: 0) }
    if let superResolution {
      // As `generate` does: the base glyphs as bytes, image i with seed + i.
      let low = GlyphPixels.tensor(GlyphPixels.bytes(x), count: request.count, side: baseSize)
      x = try superResolution.upsample(
        low, seeds: (0..<request.count).map { request.seed &+ UInt64($0) }
      ) { try report($0, offset: request.steps) }
    }
    let images = GlyphImages.rasters(x)
    return Result(
      images: images, grid: ImageGrid.tile(images, columns: columns),
      seconds: Date().timeIntervalSince(start))
  }
}
