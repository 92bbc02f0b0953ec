/// Channel layout of an 8-bit image; the raw value is the number of channels.
public enum PixelFormat: Int, Sendable, CaseIterable {
  /// One channel, 0 = black, 255 = white.
  case grey = 1
  /// Red, green, blue.
  case rgb = 3
  /// Red, green, blue, straight (non-premultiplied) alpha.
  case rgba = 4

  public var channels: Int { rawValue }
}

/// An 8-bit image stored row-major, channels interleaved (HWC), no padding between rows.
public struct RasterImage: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public let format: PixelFormat
  /// `height * width * format.channels` bytes.
  public var pixels: [UInt8]

  public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) {
    precondition(width > 0 && height > 0, "image size \(width)x\(height) must be positive")
    precondition(
      pixels.count == width * height * format.channels,
      "\(pixels.count) bytes for a \(width)x\(height) \(format) image")
    self.width = width
    self.height = height
    self.format = format
    self.pixels = pixels
  }

  /// An image with every byte set to `value` (255: white, and opaque for RGBA).
  public init(width: Int, height: Int, format: PixelFormat, filledWith value: UInt8) {
    self.init(
      width: width, height: height, format: format,
      pixels: [UInt8](repeating: value, count: width * height * format.channels))
  }

  /// Bytes per row.
  public var rowBytes: Int { width * format.channels }
}
