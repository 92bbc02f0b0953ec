import Foundation

/// Why a PNG could not be read.
enum PNGError: Error, Sendable, Equatable, CustomStringConvertible {
  case notPNG
  case truncated(offset: Int)
  case badCRC(chunk: String)
  case malformed(String)
  case unsupported(String)
  case compression(String)

  var description: String {
    switch self {
    case .notPNG: "not a PNG file (bad signature)"
    case .truncated(let offset): "PNG data ends early (at byte \(offset))"
    case .badCRC(let chunk): "PNG chunk \(chunk) has a bad CRC"
    case .malformed(let why): "malformed PNG: \(why)"
    case .unsupported(let what): "unsupported PNG: \(what)"
    case .compression(let why): "PNG image data does not inflate: \(why)"
    }
  }
}

/// PNG decoder for non-interlaced 8-bit greyscale (type 0), RGB (2) and RGBA (6) images with
/// any of the five filter types: what `PNGEncoder` writes, and what most tools write for them.
/// Checks every chunk's CRC; ignores ancillary chunks. The product writes PNGs and never reads
/// them, so this is internal: the tests' oracle for `PNGEncoder` (`@testable import Imaging`)
/// and a fuzz target.
enum PNGDecoder {
  static func decode(_ data: [UInt8]) throws -> RasterImage {
    try data.withUnsafeBufferPointer { try decode($0) }
  }

  static func decode(contentsOf url: URL) throws -> RasterImage {
    try decode([UInt8](Data(contentsOf: url)))
  }

  static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws -> RasterImage {
    guard bytes.count >= 8, Array(bytes[0..<8]) == pngSignature else { throw PNGError.notPNG }
    var offset = 8
    var header: (width: Int, height: Int, format: PixelFormat)?
    var idat: [UInt8] = []
    var sawEnd = false
    while !sawEnd {
      guard offset + 12 <= bytes.count else { throw PNGError.truncated(offset: offset) }
      let length = Int(readBigEndian(bytes, offset))
      let typeStart = offset + 4
      let dataStart = offset + 8
      guard length <= bytes.count - dataStart - 4 else {
        throw PNGError.truncated(offset: offset)
      }
      let type = String(decoding: bytes[typeStart..<(typeStart + 4)], as: UTF8.self)
      let stored = readBigEndian(bytes, dataStart + length)
      let crc = Zlib.crc32(
        UnsafeRawBufferPointer(
          UnsafeBufferPointer(rebasing: bytes[typeStart..<(dataStart + length)])))
      guard crc == stored else { throw PNGError.badCRC(chunk: type) }
      let data = bytes[dataStart..<(dataStart + length)]
      switch type {
      case "IHDR":
        guard header == nil, length == 13 else { throw PNGError.malformed("bad IHDR") }
        header = try parseHeader(UnsafeBufferPointer(rebasing: data))
      case "IDAT":
        guard header != nil else { throw PNGError.malformed("IDAT before IHDR") }
        idat.append(contentsOf: data)
      case "IEND":
        sawEnd = true
      case "PLTE":
        throw PNGError.unsupported("palette images")
      default:
        // Ancillary chunks (lower-case first letter) may be skipped; critical ones may not.
        guard let first = type.utf8.first, first & 0x20 != 0 else {
          throw PNGError.unsupported("critical chunk \(type)")
        }
      }
      offset = dataStart + length + 4
    }
    guard let header else { throw PNGError.malformed("no IHDR") }
    let rowBytes = header.width * header.format.channels
    let expected = header.height * (rowBytes + 1)
    var raw: [UInt8]
    do {
      raw = try idat.withUnsafeBytes {
        try Zlib.inflate($0, raw: false, expectedSize: expected, exact: true)
      }
    } catch let error as ZlibError {
      throw PNGError.compression(error.description)
    }
    var pixels = [UInt8](repeating: 0, count: header.height * rowBytes)
    let zeros = [UInt8](repeating: 0, count: rowBytes)
    let bpp = header.format.channels
    try raw.withUnsafeMutableBufferPointer { src in
      try pixels.withUnsafeMutableBufferPointer { dst in
        try zeros.withUnsafeBufferPointer { zero in
          for y in 0..<header.height {
            let start = y * (rowBytes + 1)
            guard let filter = PNGFilter(rawValue: src[start]) else {
              throw PNGError.malformed("row \(y) has filter type \(src[start])")
            }
            let row = UnsafeMutableBufferPointer(
              rebasing: dst[(y * rowBytes)..<((y + 1) * rowBytes)])
            for i in 0..<rowBytes { row[i] = src[start + 1 + i] }
            let previous =
              y == 0
              ? zero
              : UnsafeBufferPointer(rebasing: dst[((y - 1) * rowBytes)..<(y * rowBytes)])
            unfilterRow(filter, row: row, previous: previous, bpp: bpp)
          }
        }
      }
    }
    return RasterImage(
      width: header.width, height: header.height, format: header.format, pixels: pixels)
  }

  private static func parseHeader(_ d: UnsafeBufferPointer<UInt8>) throws -> (
    width: Int, height: Int, format: PixelFormat
  ) {
    let width = Int(readBigEndian(d, 0))
    let height = Int(readBigEndian(d, 4))
    guard width > 0, height > 0, width < 1 << 24, height < 1 << 24 else {
      throw PNGError.malformed("image size \(width)x\(height)")
    }
    guard d[8] == 8 else { throw PNGError.unsupported("bit depth \(d[8])") }
    let format: PixelFormat
    switch d[9] {
    case 0: format = .grey
    case 2: format = .rgb
    case 6: format = .rgba
    default: throw PNGError.unsupported("colour type \(d[9])")
    }
    guard d[10] == 0, d[11] == 0 else { throw PNGError.malformed("compression/filter method") }
    guard d[12] == 0 else { throw PNGError.unsupported("interlaced images") }
    return (width, height, format)
  }
}

@inline(__always)
func readBigEndian(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt32 {
  UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
    | UInt32(bytes[offset + 3])
}
