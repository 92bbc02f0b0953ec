import Testing

@testable import Imaging

/// Deterministic test pixels: a SplitMix64 stream mixed with smooth gradients, so every filter
/// type sees both noise and structure.
private func testImage(width: Int, height: Int, format: PixelFormat, seed: UInt64) -> RasterImage {
  var state = seed
  var pixels = [UInt8](repeating: 0, count: width * height * format.channels)
  for y in 0..<height {
    for x in 0..<width {
      for c in 0..<format.channels {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let smooth = UInt8(truncatingIfNeeded: x * 3 + y * 5 + c * 40)
        pixels[(y * width + x) * format.channels + c] =
          (x + y) % 3 == 0 ? UInt8(truncatingIfNeeded: z) : smooth
      }
    }
  }
  return RasterImage(width: width, height: height, format: format, pixels: pixels)
}

@Test(arguments: PixelFormat.allCases)
func pngRoundTripsExactlyWithEveryFilter(format: PixelFormat) throws {
  let image = testImage(width: 37, height: 23, format: format, seed: 7)
  var strategies: [PNGFilterStrategy] = PNGFilter.allCases.map { .fixed($0) }
  strategies.append(.adaptive)
  for strategy in strategies {
    for level: Int32 in [1, 9] {
      let png = try PNGEncoder.encode(image, filter: strategy, level: level)
      let decoded = try PNGDecoder.decode(png)
      #expect(decoded == image, "\(format) \(strategy) level \(level)")
    }
  }
}

@Test func adaptiveFilterPicksMoreThanOneTypeOnMixedContent() {
  let image = testImage(width: 40, height: 40, format: .rgb, seed: 3)
  let lines = PNGEncoder.filteredScanlines(image, strategy: .adaptive)
  let types = Set((0..<40).map { lines[$0 * (40 * 3 + 1)] })
  #expect(types.count > 1)
}

@Test func filtersMatchTheSpecFormulasOnOneRow() {
  // PNG spec 9.2 by hand, bpp 1: row [10, 20, 30], previous [5, 50, 100].
  let row: [UInt8] = [10, 20, 30]
  let prev: [UInt8] = [5, 50, 100]
  func run(_ f: PNGFilter) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 3)
    row.withUnsafeBufferPointer { r in
      prev.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { filterRow(f, row: r, previous: p, bpp: 1, into: $0) }
      }
    }
    return out
  }
  #expect(run(.sub) == [10, 10, 10])
  #expect(run(.up) == [5, 226, 186])  // 20−50 = −30 ≡ 226; 30−100 ≡ 186
  #expect(run(.average) == [8, 246, 226])  // 10−⌊5/2⌋; 20−⌊(10+50)/2⌋; 30−⌊(20+100)/2⌋
  // Paeth: x0: p=0+5−0 → b=5; x1: p=10+50−5=55 → b=50; x2: p=20+100−50=70, distances
  // 50/30/20 → c=50.
  #expect(run(.paeth) == [5, 226, 236])
}

@Test func decoderReadsAKnownExternalPNG() throws {
  // A 2x1 greyscale PNG (pixels 0 and 255) assembled in Python 3 with zlib.compress and struct
  // (IHDR, IDAT = zlib.compress(b"\x00\x00\xff"), IEND), independently of PNGEncoder.
  let bytes: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0xD1, 0x49, 0x20,
    0x56, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0xF8, 0x0F, 0x00,
    0x01, 0x02, 0x01, 0x00, 0x42, 0xBE, 0xBC, 0x68, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
  ]
  let image = try PNGDecoder.decode(bytes)
  #expect(image.width == 2 && image.height == 1 && image.format == .grey)
  #expect(image.pixels == [0, 255])
}

@Test func corruptPNGsGiveTypedErrors() throws {
  let image = testImage(width: 8, height: 8, format: .grey, seed: 1)
  let png = try PNGEncoder.encode(image)
  #expect(throws: PNGError.notPNG) { try PNGDecoder.decode(Array("hello world".utf8)) }
  var flipped = png
  flipped[45] ^= 0xFF  // inside the IDAT data (signature 8 + IHDR 25 + length 4 + type 4)
  #expect(throws: PNGError.badCRC(chunk: "IDAT")) { try PNGDecoder.decode(flipped) }
  #expect(throws: PNGError.self) { try PNGDecoder.decode(Array(png[0..<(png.count - 20)])) }
}
