import Diffusion
import Imaging
import Tensors

/// Model outputs ([−1, 1], NHWC, one channel) as greyscale images.
public enum GlyphImages {
  /// One image per batch row; `scale` multiplies values first (the variance-exploding samplers'
  /// states, see `TrajectoryStep.sampleScale`). Pixel = (v·scale + 1)·127.5, clamped to 0…255.
  public static func rasters(_ x: Tensor, scale: Float = 1) -> [RasterImage] {
    let (b, h, w) = (x.shape[0], x.shape[1], x.shape[2])
    let v = GlyphPixels.bytes(x, scale: scale)
    return (0..<b).map { i in
      RasterImage(
        width: w, height: h, format: .grey, pixels: Array(v[(i * h * w)..<((i + 1) * h * w)]))
    }
  }

  /// A file-name-safe form of a prompt: lower case, letters and digits kept, the rest "-".
  public static func slug(_ s: String) -> String {
    let kept = s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
    return String(String(kept).prefix(40))
  }

  /// `image` enlarged `factor` times by pixel repetition (glyphs stay crisp).
  public static func upscaled(_ image: RasterImage, by factor: Int) -> RasterImage {
    precondition(factor >= 1, "upscale factor \(factor) must be ≥ 1")
    guard factor > 1 else { return image }
    let ch = image.format.channels
    let w = image.width * factor
    var out = [UInt8](repeating: 0, count: w * image.height * factor * ch)
    for y in 0..<(image.height * factor) {
      let sy = y / factor
      for x in 0..<w {
        let s = (sy * image.width + x / factor) * ch
        let d = (y * w + x) * ch
        for c in 0..<ch { out[d + c] = image.pixels[s + c] }
      }
    }
    return RasterImage(width: w, height: image.height * factor, format: image.format, pixels: out)
  }
}
