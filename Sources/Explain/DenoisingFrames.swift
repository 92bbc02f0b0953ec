import Diffusion
import Imaging
import Tensors

/// The denoising of a batch as animation frames — x_t (brought back to image scale) and, when
/// asked, the model's prediction of x₀ beside it, each batch tiled √n columns wide — and the
/// first image's trajectory. The one implementation behind `generate --animation` and the
/// denoise figure: pass `record` as the sampler's `onStep`.
public final class DenoisingFrames {
  public let columns: Int
  public let showPredictedOriginal: Bool
  /// Pixel repetition of each frame (1: as sampled).
  public let scale: Int
  public private(set) var frames: [RasterImage] = []
  /// The first image's x_t and predicted x₀ at every step.
  public private(set) var firstSample: [RasterImage] = []
  public private(set) var firstPredictedOriginal: [RasterImage] = []

  public init(count: Int, showPredictedOriginal: Bool, scale: Int = 1) {
    columns = Int(Double(count).squareRoot().rounded(.up))
    self.showPredictedOriginal = showPredictedOriginal
    self.scale = scale
  }

  public func record(_ step: TrajectoryStep) {
    let xt = GlyphImages.rasters(step.sample, scale: Float(step.sampleScale))
    let x0 = GlyphImages.rasters(step.predictedOriginal)
    firstSample.append(xt[0])
    firstPredictedOriginal.append(x0[0])
    var frame = ImageGrid.tile(xt, columns: columns)
    if showPredictedOriginal {
      frame = ImageGrid.tile([frame, ImageGrid.tile(x0, columns: columns)], columns: 2, padding: 8)
    }
    frames.append(GlyphImages.upscaled(frame, by: scale))
  }

  /// An endless GIF of the frames, the last shown `holdFrames` more times (about a second).
  public func gif(delayCentiseconds: Int, holdFrames: Int = 10) throws -> [UInt8] {
    guard let last = frames.last else { return [] }
    return try GIFEncoder.encode(
      frames: frames + Array(repeating: last, count: holdFrames),
      delayCentiseconds: delayCentiseconds, loop: true)
  }
}

/// One seed sampled with different numbers of steps in all (the article's "1, 2, 3, 5, 10, 20
/// steps" strip): `generate(n)` draws the image with n steps.
public enum StepCountStrip {
  public static func images(_ counts: [Int], generate: (Int) throws -> Tensor) rethrows
    -> [RasterImage]
  {
    try counts.flatMap { GlyphImages.rasters(try generate($0)) }
  }

  public static func labels(_ counts: [Int]) -> [String] {
    counts.map { "\($0) step" + ($0 == 1 ? "" : "s") }
  }
}
