/// Errors from `GIFEncoder`, naming the offending frame.
public enum GIFError: Error, Sendable, Equatable, CustomStringConvertible {
  case noFrames
  case frameSizeMismatch(
    frame: Int, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int)
  case frameTooLarge(width: Int, height: Int)
  case delayOutOfRange(Int)

  public var description: String {
    switch self {
    case .noFrames: "GIF: no frames to encode"
    case .frameSizeMismatch(let f, let w, let h, let ew, let eh):
      "GIF: frame \(f) is \(w)x\(h), frame 0 is \(ew)x\(eh); all frames must have one size"
    case .frameTooLarge(let w, let h): "GIF: \(w)x\(h) exceeds the 65535x65535 limit"
    case .delayOutOfRange(let d): "GIF: delay \(d) cs is outside 0...65535"
    }
  }
}

/// GIF89a encoder (GIF89a specification, CompuServe 1990): one 256-entry global colour table,
/// a NETSCAPE2.0 looping extension, a graphic control extension per frame (delay in 1/100 s,
/// disposal "do not dispose"), and LZW image data with variable code size (9…12 bits), a clear
/// code at the start and whenever the code table reaches 4095 entries.
///
/// Colour: when every frame is greyscale the palette is the identity grey ramp (index = value),
/// so greyscale frames round-trip exactly. Otherwise RGB/RGBA frames (RGBA composited on white)
/// and grey frames are quantised to a fixed 6×7×6 colour cube (252 entries), red/blue in 6 levels
/// and green in 7 (the eye is most sensitive to green).
public enum GIFEncoder {
  public static func encode(frames: [RasterImage], delayCentiseconds: Int, loop: Bool) throws
    -> [UInt8]
  {
    guard let first = frames.first else { throw GIFError.noFrames }
    let width = first.width
    let height = first.height
    guard width <= 0xFFFF, height <= 0xFFFF else {
      throw GIFError.frameTooLarge(width: width, height: height)
    }
    guard (0...0xFFFF).contains(delayCentiseconds) else {
      throw GIFError.delayOutOfRange(delayCentiseconds)
    }
    for (i, frame) in frames.enumerated() where frame.width != width || frame.height != height {
      throw GIFError.frameSizeMismatch(
        frame: i, width: frame.width, height: frame.height, expectedWidth: width,
        expectedHeight: height)
    }
    let allGrey = frames.allSatisfy { $0.format == .grey }
    let palette = allGrey ? greyPalette : cubePalette

    var out: [UInt8] = Array("GIF89a".utf8)
    appendLE16(width, to: &out)
    appendLE16(height, to: &out)
    out.append(0xF7)  // global colour table, 8 bits colour resolution, 2^(7+1) entries
    out.append(0)  // background colour index
    out.append(0)  // pixel aspect ratio: unspecified
    out.append(contentsOf: palette)
    if loop {
      // Application extension: NETSCAPE2.0, sub-block 1 = loop count (0 = forever).
      out.append(contentsOf: [0x21, 0xFF, 0x0B])
      out.append(contentsOf: Array("NETSCAPE2.0".utf8))
      out.append(contentsOf: [0x03, 0x01, 0x00, 0x00, 0x00])
    }
    var lzw = LZWEncoder(pixelCount: width * height)
    for frame in frames {
      // Graphic control extension: disposal method 1 (leave in place), no transparency.
      out.append(contentsOf: [0x21, 0xF9, 0x04, 0x04])
      appendLE16(delayCentiseconds, to: &out)
      out.append(contentsOf: [0x00, 0x00])
      // Image descriptor: full-screen frame, no local colour table, not interlaced.
      out.append(0x2C)
      appendLE16(0, to: &out)
      appendLE16(0, to: &out)
      appendLE16(width, to: &out)
      appendLE16(height, to: &out)
      out.append(0x00)
      let indices = allGrey ? frame.pixels : cubeIndices(frame)
      out.append(8)  // LZW minimum code size
      let data = lzw.encode(indices)
      var start = 0
      while start < data.count {
        let n = min(255, data.count - start)
        out.append(UInt8(n))
        out.append(contentsOf: data[start..<(start + n)])
        start += n
      }
      out.append(0x00)  // block terminator
    }
    out.append(0x3B)  // trailer
    return out
  }

  static let greyPalette: [UInt8] = (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }

  /// The 6×7×6 cube, index = (r·7 + g)·6 + b, levels spread evenly over 0…255; entries 252…255
  /// are black.
  static let cubePalette: [UInt8] = {
    var p = [UInt8](repeating: 0, count: 768)
    for r in 0..<6 {
      for g in 0..<7 {
        for b in 0..<6 {
          let i = (r * 7 + g) * 6 + b
          p[3 * i] = UInt8(r * 255 / 5)
          p[3 * i + 1] = UInt8(g * 255 / 6)
          p[3 * i + 2] = UInt8(b * 255 / 5)
        }
      }
    }
    return p
  }()

  /// Nearest cube entry per pixel (per channel rounding: level = round(v · (n−1) / 255)).
  static func cubeIndices(_ image: RasterImage) -> [UInt8] {
    let n = image.width * image.height
    let ch = image.format.channels
    var out = [UInt8](repeating: 0, count: n)
    image.pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for i in 0..<n {
          var r: Int
          var g: Int
          var b: Int
          switch image.format {
          case .grey:
            r = Int(src[i])
            g = r
            b = r
          case .rgb, .rgba:
            r = Int(src[i * ch])
            g = Int(src[i * ch + 1])
            b = Int(src[i * ch + 2])
            if image.format == .rgba {
              // Composite straight alpha over white: c·a + 255·(1−a).
              let a = Int(src[i * ch + 3])
              r = (r * a + 255 * (255 - a) + 127) / 255
              g = (g * a + 255 * (255 - a) + 127) / 255
              b = (b * a + 255 * (255 - a) + 127) / 255
            }
          }
          let ri = (r * 5 + 127) / 255
          let gi = (g * 6 + 127) / 255
          let bi = (b * 5 + 127) / 255
          dst[i] = UInt8((ri * 7 + gi) * 6 + bi)
        }
      }
    }
    return out
  }

  private static func appendLE16(_ v: Int, to out: inout [UInt8]) {
    out.append(UInt8(v & 0xFF))
    out.append(UInt8((v >> 8) & 0xFF))
  }
}
