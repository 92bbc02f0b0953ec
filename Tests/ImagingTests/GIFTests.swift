import Foundation
import Testing

@testable import Imaging

/// A minimal, independent GIF89a reader for the tests: parses the blocks and decodes LZW with the
/// textbook algorithm (GIF89a spec, appendix F), including the KwKwK case (code == next).
private struct DecodedGIF {
  var width = 0
  var height = 0
  var palette: [UInt8] = []
  var loops = false
  var delays: [Int] = []
  var frames: [[UInt8]] = []
}

private enum GIFReadError: Error { case malformed(String) }

private func readGIF(_ d: [UInt8]) throws -> DecodedGIF {
  var g = DecodedGIF()
  guard d.count > 13, Array(d[0..<6]) == Array("GIF89a".utf8) else {
    throw GIFReadError.malformed("signature")
  }
  g.width = Int(d[6]) | Int(d[7]) << 8
  g.height = Int(d[8]) | Int(d[9]) << 8
  let packed = d[10]
  var i = 13
  if packed & 0x80 != 0 {
    let n = 3 << (Int(packed & 7) + 1)
    g.palette = Array(d[i..<(i + n)])
    i += n
  }
  func subBlocks() -> [UInt8] {
    var out: [UInt8] = []
    while d[i] != 0 {
      let n = Int(d[i])
      out += d[(i + 1)..<(i + 1 + n)]
      i += 1 + n
    }
    i += 1
    return out
  }
  while i < d.count {
    switch d[i] {
    case 0x21:
      let label = d[i + 1]
      i += 2
      let body = subBlocks()
      if label == 0xFF, Array(body.prefix(11)) == Array("NETSCAPE2.0".utf8) { g.loops = true }
      if label == 0xF9 { g.delays.append(Int(body[1]) | Int(body[2]) << 8) }
    case 0x2C:
      let w = Int(d[i + 5]) | Int(d[i + 6]) << 8
      let h = Int(d[i + 7]) | Int(d[i + 8]) << 8
      i += 10
      let minCodeSize = Int(d[i])
      i += 1
      g.frames.append(try lzwDecode(subBlocks(), minCodeSize: minCodeSize, count: w * h))
    case 0x3B:
      return g
    default:
      throw GIFReadError.malformed("block 0x\(String(d[i], radix: 16)) at \(i)")
    }
  }
  throw GIFReadError.malformed("no trailer")
}

private func lzwDecode(_ data: [UInt8], minCodeSize: Int, count: Int) throws -> [UInt8] {
  let clear = 1 << minCodeSize
  let end = clear + 1
  var table: [[UInt8]] = []
  var width = minCodeSize + 1
  var previous: [UInt8]? = nil
  var out: [UInt8] = []
  var bitPos = 0
  func reset() {
    table = (0..<clear).map { [UInt8($0)] } + [[], []]
    width = minCodeSize + 1
    previous = nil
  }
  reset()
  while bitPos + width <= data.count * 8 {
    var code = 0
    for b in 0..<width where data[(bitPos + b) / 8] & (1 << ((bitPos + b) % 8)) != 0 {
      code |= 1 << b
    }
    bitPos += width
    if code == clear {
      reset()
      continue
    }
    if code == end {
      guard out.count == count else {
        throw GIFReadError.malformed("\(out.count) of \(count) pixels")
      }
      return out
    }
    guard let prev = previous else {
      guard code < clear else { throw GIFReadError.malformed("first code \(code) after clear") }
      out += table[code]
      previous = table[code]
      continue
    }
    let entry: [UInt8]
    if code < table.count {
      entry = table[code]
    } else if code == table.count {
      entry = prev + [prev[0]]
    } else {
      throw GIFReadError.malformed("code \(code) beyond table size \(table.count)")
    }
    if table.count < 4096 { table.append(prev + [entry[0]]) }
    if table.count == 1 << width && width < 12 { width += 1 }
    out += entry
    previous = entry
  }
  throw GIFReadError.malformed("no end code")
}

/// SplitMix64 bytes, deterministic.
private func noise(_ n: Int, seed: UInt64) -> [UInt8] {
  var s = seed
  return (0..<n).map { _ in
    s &+= 0x9E37_79B9_7F4A_7C15
    var z = s
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return UInt8(truncatingIfNeeded: z ^ (z >> 31))
  }
}

@Test func gifGreyscaleRoundTripIsExact() throws {
  let w = 97
  let h = 61
  // Noise (fills the code table many times over: clear codes), a gradient (long repeats),
  // a constant frame (KwKwK codes) and a few-level frame (mid-length strings).
  let frames = [
    RasterImage(width: w, height: h, format: .grey, pixels: noise(w * h, seed: 1)),
    RasterImage(
      width: w, height: h, format: .grey,
      pixels: (0..<(w * h)).map { UInt8(truncatingIfNeeded: ($0 % w) * 2 + ($0 / w)) }),
    RasterImage(width: w, height: h, format: .grey, filledWith: 200),
    RasterImage(
      width: w, height: h, format: .grey, pixels: noise(w * h, seed: 2).map { $0 & 0xC0 }),
  ]
  let bytes = try GIFEncoder.encode(frames: frames, delayCentiseconds: 7, loop: true)
  let gif = try readGIF(bytes)
  #expect(gif.width == w && gif.height == h)
  #expect(gif.loops)
  #expect(gif.delays == [7, 7, 7, 7])
  #expect(gif.palette == GIFEncoder.greyPalette)
  #expect(gif.frames.count == 4)
  for (decoded, frame) in zip(gif.frames, frames) { #expect(decoded == frame.pixels) }
}

@Test func gifDenoisingStyleAnimation() throws {
  // A glyph-like square emerging from noise over 20 frames, tiled 4×4 like a sample batch.
  let side = 48
  let noiseFrame = noise(side * side, seed: 9)
  var frames: [RasterImage] = []
  for f in 0..<20 {
    let t = Double(f) / 19
    let tiles = (0..<16).map { k in
      RasterImage(
        width: side, height: side, format: .grey,
        pixels: (0..<(side * side)).map { i in
          let (x, y) = (i % side, i / side)
          let clean: Double = (x > 12 + k % 4 && x < 36 && y > 10 && y < 38 - k / 4) ? 0 : 255
          let n = Double(noiseFrame[(i + 97 * k) % (side * side)])
          return UInt8((t * clean + (1 - t) * n).rounded())
        })
    }
    frames.append(ImageGrid.tile(tiles, columns: 4, padding: 2))
  }
  let bytes = try GIFEncoder.encode(frames: frames, delayCentiseconds: 8, loop: true)
  let gif = try readGIF(bytes)
  #expect(gif.frames == frames.map(\.pixels))
  if let dir = ProcessInfo.processInfo.environment["GLYFFUSER_IMAGING_OUT"] {
    try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/denoise.gif"))
  }
}

@Test(arguments: [1, 2, 255, 256, 257, 511, 512, 513, 4093, 4094, 4095, 4096, 20_000])
func gifLZWAroundCodeWidthBoundaries(count: Int) throws {
  // Noise of every length near the points where the code width grows or the table clears.
  let pixels = noise(count, seed: UInt64(count))
  let image = RasterImage(width: count, height: 1, format: .grey, pixels: pixels)
  let gif = try readGIF(GIFEncoder.encode(frames: [image], delayCentiseconds: 0, loop: false))
  #expect(gif.frames == [pixels])
  #expect(!gif.loops)
}

@Test func gifColourFramesUseTheCube() throws {
  let rgb = RasterImage(
    width: 4, height: 1, format: .rgb,
    pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 250, 250])
  let gif = try readGIF(GIFEncoder.encode(frames: [rgb], delayCentiseconds: 10, loop: true))
  let indices = gif.frames[0]
  let colours = indices.map { Array(gif.palette[(3 * Int($0))..<(3 * Int($0) + 3)]) }
  #expect(colours == [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]])
  // Transparent RGBA composites on white.
  let rgba = RasterImage(width: 1, height: 1, format: .rgba, pixels: [0, 0, 0, 0])
  let g2 = try readGIF(GIFEncoder.encode(frames: [rgba], delayCentiseconds: 10, loop: true))
  let i = 3 * Int(g2.frames[0][0])
  #expect(Array(g2.palette[i..<(i + 3)]) == [255, 255, 255])
}

@Test func gifRejectsBadInput() {
  #expect(throws: GIFError.noFrames) {
    try GIFEncoder.encode(frames: [], delayCentiseconds: 5, loop: true)
  }
  let a = RasterImage(width: 4, height: 4, format: .grey, filledWith: 0)
  let b = RasterImage(width: 5, height: 4, format: .grey, filledWith: 0)
  #expect(
    throws: GIFError.frameSizeMismatch(
      frame: 1, width: 5, height: 4, expectedWidth: 4, expectedHeight: 4)
  ) {
    try GIFEncoder.encode(frames: [a, b], delayCentiseconds: 5, loop: true)
  }
  #expect(throws: GIFError.delayOutOfRange(-1)) {
    try GIFEncoder.encode(frames: [a], delayCentiseconds: -1, loop: true)
  }
}
