import Foundation

/// How close an upsampled glyph is to the real one, per glyph (bytes, 0 = ink, 255 = paper):
/// PSNR over all pixels, and stroke F1 — the boundary F-measure of Martin et al. (2004) on the
/// binarised strokes with a tolerance of 1 pixel (Chebyshev): the strokes' outlines (ink pixels
/// with paper, or the image border, among their 4 neighbours) are compared, a predicted outline
/// pixel counting as correct when a real one lies within its 3 × 3 neighbourhood and a real one
/// as recovered when a predicted one does. PSNR rewards the right grey levels; outline F1
/// rewards the right shapes — corners, stroke ends, the gaps between strokes — which an
/// interpolating upsampler rounds off. (Filled-ink F1 would not tell them apart: the interior
/// of a stroke is right either way.)
public enum UpsamplingQuality {
  /// Ink is darker than this.
  public static let inkThreshold: UInt8 = 128

  /// 10·log10(255² / MSE) over the `side`² pixels (capped at 99 dB for identical images).
  public static func psnr(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Double {
    precondition(a.count == b.count, "psnr of \(a.count) and \(b.count) pixels")
    var sum = 0.0
    for (x, y) in zip(a, b) {
      let d = Double(x) - Double(y)
      sum += d * d
    }
    let mse = sum / Double(max(a.count, 1))
    return mse == 0 ? 99 : min(99, 10 * log10(255 * 255 / mse))
  }

  /// The binarised strokes' outline: ink pixels with a paper pixel, or the border, among their
  /// 4 neighbours.
  static func outline(_ image: ArraySlice<UInt8>, side: Int) -> [Bool] {
    let ink = image.map { $0 < inkThreshold }
    var out = [Bool](repeating: false, count: side * side)
    for y in 0..<side {
      for x in 0..<side where ink[y * side + x] {
        let paperAround =
          x == 0 || y == 0 || x == side - 1 || y == side - 1 || !ink[y * side + x - 1]
          || !ink[y * side + x + 1] || !ink[(y - 1) * side + x] || !ink[(y + 1) * side + x]
        out[y * side + x] = paperAround
      }
    }
    return out
  }

  /// Outline F1 of `predicted` against `real`, both `side` × `side`, with a tolerance of
  /// `tolerance` pixels (1: the 3 × 3 neighbourhood; 0: the same pixel). An image pair without
  /// ink on either side scores 1; ink on one side only scores 0.
  public static func strokeF1(
    _ predicted: ArraySlice<UInt8>, _ real: ArraySlice<UInt8>, side: Int, tolerance: Int = 1
  ) -> Double {
    precondition(predicted.count == side * side && real.count == side * side, "stroke F1 sizes")
    let p = outline(predicted, side: side)
    let r = outline(real, side: side)
    func near(_ mask: [Bool], _ y: Int, _ x: Int) -> Bool {
      for dy in -tolerance...tolerance {
        let yy = y + dy
        guard yy >= 0, yy < side else { continue }
        for dx in -tolerance...tolerance {
          let xx = x + dx
          if xx >= 0, xx < side, mask[yy * side + xx] { return true }
        }
      }
      return false
    }
    var (pInk, pHit, rInk, rHit) = (0, 0, 0, 0)
    for y in 0..<side {
      for x in 0..<side {
        let i = y * side + x
        if p[i] {
          pInk += 1
          if near(r, y, x) { pHit += 1 }
        }
        if r[i] {
          rInk += 1
          if near(p, y, x) { rHit += 1 }
        }
      }
    }
    if pInk == 0 && rInk == 0 { return 1 }
    if pInk == 0 || rInk == 0 { return 0 }
    let precision = Double(pHit) / Double(pInk)
    let recall = Double(rHit) / Double(rInk)
    return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
  }
}
