import Testing

@testable import Evaluation

/// PSNR and stroke F1 on hand-made glyphs whose answers are known.
@Suite struct UpsamplingQualityTests {
  /// A 16 × 16 white image with a vertical 2-px stroke at column `x`.
  static func stroke(at x: Int) -> [UInt8] {
    var p = [UInt8](repeating: 255, count: 256)
    for y in 2..<14 {
      p[y * 16 + x] = 0
      p[y * 16 + x + 1] = 0
    }
    return p
  }

  @Test func identicalImages() {
    let a = Self.stroke(at: 5)
    #expect(UpsamplingQuality.psnr(a[...], a[...]) == 99)
    #expect(UpsamplingQuality.strokeF1(a[...], a[...], side: 16) == 1)
  }

  /// One pixel off is within the tolerance; three pixels off is not.
  @Test func toleranceIsOnePixel() {
    let real = Self.stroke(at: 5)
    #expect(UpsamplingQuality.strokeF1(Self.stroke(at: 6)[...], real[...], side: 16) == 1)
    #expect(UpsamplingQuality.strokeF1(Self.stroke(at: 8)[...], real[...], side: 16) == 0)
    // Two pixels off: one of the two columns lies within one pixel on each side.
    let f1 = UpsamplingQuality.strokeF1(Self.stroke(at: 7)[...], real[...], side: 16)
    #expect(abs(f1 - 0.5) < 1e-12)
    // Exact outlines: one pixel off is already a miss.
    let exact = UpsamplingQuality.strokeF1(
      Self.stroke(at: 6)[...], real[...], side: 16, tolerance: 0)
    #expect(abs(exact - 0.5) < 1e-12)
  }

  /// Outlines, not ink: a solid 12-px block and the same block with a 2-px hole differ by the
  /// hole's outline, which filled ink within 1 px would not register at all.
  @Test func outlinesAreCompared() {
    var solid = [UInt8](repeating: 255, count: 256)
    for y in 2..<14 { for x in 2..<14 { solid[y * 16 + x] = 0 } }
    var holed = solid
    for y in 7..<9 { for x in 7..<9 { holed[y * 16 + x] = 255 } }
    let f1 = UpsamplingQuality.strokeF1(holed[...], solid[...], side: 16)
    // Predicted outline: the 44-pixel outer ring (all right) and the hole's 8 four-neighbours
    // (no real outline within 1 px): precision 44/52, recall 1, F1 88/96.
    #expect(abs(f1 - 88.0 / 96) < 1e-12)
    #expect(UpsamplingQuality.strokeF1(solid[...], solid[...], side: 16) == 1)
  }

  @Test func psnrOfAKnownError() {
    let a = [UInt8](repeating: 100, count: 64)
    let b = [UInt8](repeating: 110, count: 64)
    // MSE 100: 10·log10(255² / 100) = 28.13 dB.
    #expect(abs(UpsamplingQuality.psnr(a[...], b[...]) - 28.1308) < 1e-3)
  }

  @Test func blankAgainstInk() {
    let blank = [UInt8](repeating: 255, count: 256)
    #expect(UpsamplingQuality.strokeF1(blank[...], blank[...], side: 16) == 1)
    #expect(UpsamplingQuality.strokeF1(blank[...], Self.stroke(at: 3)[...], side: 16) == 0)
  }
}
