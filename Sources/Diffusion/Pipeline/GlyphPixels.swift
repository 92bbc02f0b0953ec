import Tensors

/// Model outputs ([−1, 1], NHWC, one channel) as greyscale bytes: pixel = (v·scale + 1)·127.5,
/// rounded and clamped to 0…255 (0 = ink, 255 = paper, as the data set stores glyphs).
public enum GlyphPixels {
  /// `[B·H·W]` bytes, image after image; `scale` multiplies values first (the
  /// variance-exploding samplers' states, see `TrajectoryStep.sampleScale`).
  public static func bytes(_ x: Tensor, scale: Float = 1) -> [UInt8] {
    x.scalars.map { UInt8(max(0, min(255, (($0 * scale + 1) * 127.5).rounded()))) }
  }

  /// Bytes back to model values, `[count, side, side, 1]` in [−1, 1] (pixel/127.5 − 1, as
  /// training reads the data set).
  public static func tensor(_ bytes: [UInt8], count: Int, side: Int) -> Tensor {
    precondition(bytes.count == count * side * side, "\(bytes.count) bytes for \(count) × \(side)²")
    return Tensor(shape: [count, side, side, 1], scalars: bytes.map { Float($0) / 127.5 - 1 })
  }
}
