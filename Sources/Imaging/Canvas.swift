/// An 8-bit sRGB colour with straight alpha (255 = opaque).
public struct Color: Sendable, Equatable, Hashable {
  public var r: UInt8
  public var g: UInt8
  public var b: UInt8
  public var a: UInt8

  public init(r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
    self.r = r
    self.g = g
    self.b = b
    self.a = a
  }

  /// `0xRRGGBB`.
  public init(hex: UInt32, alpha: UInt8 = 255) {
    self.init(
      r: UInt8((hex >> 16) & 0xFF), g: UInt8((hex >> 8) & 0xFF), b: UInt8(hex & 0xFF), a: alpha)
  }

  public init(grey: UInt8, alpha: UInt8 = 255) { self.init(r: grey, g: grey, b: grey, a: alpha) }

  /// The same colour with alpha scaled to `opacity` ∈ [0, 1].
  public func withOpacity(_ opacity: Double) -> Color {
    var c = self
    c.a = UInt8((Double(a) * min(max(opacity, 0), 1)).rounded())
    return c
  }

  public static let black = Color(r: 0, g: 0, b: 0)
  public static let white = Color(r: 255, g: 255, b: 255)
  public static let grey = Color(r: 128, g: 128, b: 128)
  public static let lightGrey = Color(r: 220, g: 220, b: 220)
  public static let red = Color(r: 214, g: 39, b: 40)
  public static let blue = Color(r: 31, g: 119, b: 180)
  public static let clear = Color(r: 0, g: 0, b: 0, a: 0)
}

/// An integer pixel rectangle: columns x..<x+width, rows y..<y+height.
public struct PixelRect: Sendable, Equatable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }
}

/// An opaque RGB drawing surface, 8 bits per channel, row-major, origin top-left, y down.
/// Pixel (x, y) covers [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5).
///
/// Drawing composites with "source over": dst = src·α + dst·(1 − α), where α is the colour's
/// alpha times the shape's coverage of the pixel (anti-aliasing). Shapes are in
/// `CanvasShapes.swift`, text in `TextRenderer`.
public struct Canvas: Sendable {
  public let width: Int
  public let height: Int
  /// `width * height * 3` bytes, RGB interleaved.
  public var pixels: [UInt8]

  public init(width: Int, height: Int, background: Color = .white) {
    precondition(width > 0 && height > 0, "canvas size \(width)x\(height) must be positive")
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    fill(background)
  }

  /// A canvas holding `image` (grey expanded to RGB, RGBA composited on white).
  public init(image: RasterImage) {
    self.init(width: image.width, height: image.height)
    blit(image, into: PixelRect(x: 0, y: 0, width: image.width, height: image.height))
  }

  /// The canvas as an RGB image.
  public var image: RasterImage {
    RasterImage(width: width, height: height, format: .rgb, pixels: pixels)
  }

  public subscript(x: Int, y: Int) -> Color {
    let i = (y * width + x) * 3
    return Color(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
  }

  /// Replaces every pixel with `color` (alpha ignored).
  public mutating func fill(_ color: Color) {
    pixels.withUnsafeMutableBufferPointer { p in
      for i in 0..<(width * height) {
        p[3 * i] = color.r
        p[3 * i + 1] = color.g
        p[3 * i + 2] = color.b
      }
    }
  }

  /// Composites `color` onto pixel (x, y) with extra coverage ∈ [0, 1]; outside pixels are
  /// ignored.
  @inline(__always)
  public mutating func blend(x: Int, y: Int, color: Color, coverage: Double = 1) {
    guard x >= 0, y >= 0, x < width, y < height, coverage > 0 else { return }
    let alpha = Int((Double(color.a) * min(coverage, 1)).rounded())
    blendByte(x: x, y: y, color: color, alpha: alpha)
  }

  /// As `blend`, alpha an integer in 0…255.
  @inline(__always)
  mutating func blendByte(x: Int, y: Int, color: Color, alpha: Int) {
    guard alpha > 0 else { return }
    let i = (y * width + x) * 3
    if alpha >= 255 {
      pixels[i] = color.r
      pixels[i + 1] = color.g
      pixels[i + 2] = color.b
      return
    }
    let inv = 255 - alpha
    // (s·α + d·(255−α) + 127) / 255, exact rounding of the 8-bit "over" operator.
    pixels[i] = UInt8((Int(color.r) * alpha + Int(pixels[i]) * inv + 127) / 255)
    pixels[i + 1] = UInt8((Int(color.g) * alpha + Int(pixels[i + 1]) * inv + 127) / 255)
    pixels[i + 2] = UInt8((Int(color.b) * alpha + Int(pixels[i + 2]) * inv + 127) / 255)
  }

  /// Fills the pixel rectangle (clipped to the canvas).
  public mutating func fillRect(_ rect: PixelRect, color: Color) {
    let x0 = max(rect.x, 0)
    let y0 = max(rect.y, 0)
    let x1 = min(rect.x + rect.width, width)
    let y1 = min(rect.y + rect.height, height)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 {
      for x in x0..<x1 { blendByte(x: x, y: y, color: color, alpha: Int(color.a)) }
    }
  }

  /// A 1-pixel-aligned outline of `rect`, `lineWidth` pixels thick, drawn inside the rect.
  public mutating func strokeRect(_ rect: PixelRect, color: Color, lineWidth: Int = 1) {
    let t = max(1, min(lineWidth, rect.width, rect.height))
    fillRect(PixelRect(x: rect.x, y: rect.y, width: rect.width, height: t), color: color)
    fillRect(
      PixelRect(x: rect.x, y: rect.y + rect.height - t, width: rect.width, height: t),
      color: color)
    fillRect(
      PixelRect(x: rect.x, y: rect.y + t, width: t, height: rect.height - 2 * t), color: color)
    fillRect(
      PixelRect(x: rect.x + rect.width - t, y: rect.y + t, width: t, height: rect.height - 2 * t),
      color: color)
  }

  /// Draws `image` scaled (nearest neighbour) into `rect`. Grey and RGB are opaque; RGBA is
  /// composited with its alpha. `tint`, for grey images only, maps 0 → tint and 255 → white
  /// (handy to colour glyphs); nil draws grey levels as they are.
  public mutating func blit(_ image: RasterImage, into rect: PixelRect, tint: Color? = nil) {
    guard rect.width > 0, rect.height > 0 else { return }
    let ch = image.format.channels
    let x0 = max(rect.x, 0)
    let y0 = max(rect.y, 0)
    let x1 = min(rect.x + rect.width, width)
    let y1 = min(rect.y + rect.height, height)
    guard x0 < x1, y0 < y1 else { return }
    image.pixels.withUnsafeBufferPointer { src in
      for y in y0..<y1 {
        // Nearest: destination centre (y + 0.5) maps to source row ⌊(y − rect.y + 0.5)·h/H⌋.
        let sy = min(image.height - 1, ((y - rect.y) * 2 + 1) * image.height / (2 * rect.height))
        for x in x0..<x1 {
          let sx = min(image.width - 1, ((x - rect.x) * 2 + 1) * image.width / (2 * rect.width))
          let i = (sy * image.width + sx) * ch
          switch image.format {
          case .grey:
            let v = src[i]
            if let tint {
              // Ink amount k = 1 − v/255: white·(1−k) + tint·k.
              let k = 255 - Int(v)
              let c = Color(
                r: UInt8((255 * (255 - k) + Int(tint.r) * k + 127) / 255),
                g: UInt8((255 * (255 - k) + Int(tint.g) * k + 127) / 255),
                b: UInt8((255 * (255 - k) + Int(tint.b) * k + 127) / 255))
              blendByte(x: x, y: y, color: c, alpha: 255)
            } else {
              blendByte(x: x, y: y, color: Color(grey: v), alpha: 255)
            }
          case .rgb:
            blendByte(x: x, y: y, color: Color(r: src[i], g: src[i + 1], b: src[i + 2]), alpha: 255)
          case .rgba:
            blendByte(
              x: x, y: y, color: Color(r: src[i], g: src[i + 1], b: src[i + 2]),
              alpha: Int(src[i + 3]))
          }
        }
      }
    }
  }

  /// Composites an 8-bit coverage mask (`maskWidth` × rows, row-major) in `color` with its
  /// top-left at (x, y). Used for text.
  public mutating func blendMask(
    _ mask: [UInt8], maskWidth: Int, x: Int, y: Int, color: Color
  ) {
    guard maskWidth > 0 else { return }
    let rows = mask.count / maskWidth
    for my in 0..<rows {
      let py = y + my
      guard py >= 0, py < height else { continue }
      for mx in 0..<maskWidth {
        let px = x + mx
        guard px >= 0, px < width else { continue }
        let m = Int(mask[my * maskWidth + mx])
        guard m > 0 else { continue }
        blendByte(x: px, y: py, color: color, alpha: (m * Int(color.a) + 127) / 255)
      }
    }
  }
}
