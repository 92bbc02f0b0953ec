import Foundation
import GlyphData

/// Progressive resolution: the run's first `steps` optimiser steps see the images box-downsampled
/// to `size` px, the rest at the network's own size. A U-Net is convolutional, so the same
/// weights take either size; a 16 px step of a 32 px network costs about a quarter of the
/// FLOPs, and what the caption decides first (which component goes where) is already visible at
/// the lower size. Image generators have long trained this way (ProGAN, Karras et al. 2018;
/// Stable Diffusion's 256 px stage before 512 px; Hoogeboom et al. 2023 discuss it for U-Nets);
/// the noise schedule is the same at both sizes, so the low-resolution steps see relatively
/// more noise at each t (simple diffusion's shift, 2·ln 2 in log-SNR per halving), which the
/// full-size steps then correct.
public struct LowResolutionPhase: Sendable, Codable, Equatable {
  /// Side of the low-resolution images in pixels; must divide the network's size.
  public var size: Int
  /// Optimiser steps at `size` (steps 1…`steps`); every later step is at full size.
  public var steps: Int

  public init(size: Int, steps: Int) {
    self.size = size
    self.steps = steps
  }
}

extension CaptionedGlyphs {
  /// The same glyphs and captions at `size` px (the box downsample every 32 px consumer uses).
  public func downsampled(to size: Int) throws(TrainingError) -> CaptionedGlyphs {
    guard GlyphDownsample.divides(from: images.size, to: size) else {
      throw .invalidConfig(
        field: "lowResolution", "\(size) px does not divide the images' \(images.size) px")
    }
    let count = images.pixels.count / (images.size * images.size)
    return CaptionedGlyphs(
      images: TrainingImages(
        pixels: GlyphDownsample.box(images.pixels, count: count, from: images.size, to: size),
        size: size, trainIndices: images.trainIndices,
        validationIndices: images.validationIndices),
      captions: captions)
  }
}
