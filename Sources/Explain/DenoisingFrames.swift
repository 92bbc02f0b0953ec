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
  /// Pixel repetition of each image before tiling (a base stage's frames at its
  /// super-resolution stage's size, so both stages make one animation).
  public let imageScale: Int
  public private(set) var frames: [RasterImage] = []
  /// The first image's x_t and predicted x₀ at every step.
  public private(set) var firstSample: [RasterImage] = []
  public private(set) var firstPredictedOriginal: [RasterImage] = []

  public init(count: Int, showPredictedOriginal: Bool, scale: Int = 1, imageScale: Int = 1) {
    columns = Int(Double(count).squareRoot().rounded(.up))
    self.imageScale = imageScale
    self.showPredictedOriginal = showPredictedOriginal
    self.scale = scale
  }

  public func record(_ step: TrajectoryStep) {
    let xt = GlyphImages.rasters(step.sample, scale: Float(step.sampleScale))
    let x0 = GlyphImages.rasters(step.predictedOriginal)
    firstSample.append(xt[0])
    firstPredictedOriginal.append(x0[0])
    func tile(_ images: [RasterImage]) -> RasterImage {
      ImageGrid.tile(
        imageScale == 1 ? images : images.map { GlyphImages.upscaled($0, by: imageScale) },
        columns: columns)
    }
    var frame = tile(xt)
    if showPredictedOriginal {
      frame = ImageGrid.tile([frame, tile(x0)], columns: 2, padding: 8)
    }
    frames.append(GlyphImages.upscaled(frame, by: scale))
  }

  /// An endless GIF of the frames, the last shown `holdFrames` more times (about a second);
  /// `then`'s frames (the next stage of a cascade, frames of the same size) follow.
  public func gif(
    delayCentiseconds: Int, holdFrames: Int = 10, then next: DenoisingFrames? = nil
  ) throws -> [UInt8] {
    let all = frames + (next?.frames ?? [])
    guard let last = all.last else { return [] }
    return try GIFEncoder.encode(
      frames: all + Array(repeating: last, count: holdFrames),
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
