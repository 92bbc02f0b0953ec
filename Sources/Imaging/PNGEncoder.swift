/// PNG encoder for 8-bit greyscale, RGB and RGBA (PNG spec, ISO/IEC 15948): signature, IHDR,
/// one IDAT holding a zlib stream of filtered scanlines, IEND. Non-interlaced.
public enum PNGEncoder {
  /// Encodes `image`. `level` is the zlib level (1 = fastest, 9 = smallest).
  public static func encode(
    _ image: RasterImage, filter: PNGFilterStrategy = .adaptive, level: Int32 = 6
  ) throws -> [UInt8] {
    let filtered = filteredScanlines(image, strategy: filter)
    let compressed = try filtered.withUnsafeBytes { try Zlib.compress($0, level: level) }

    var out: [UInt8] = []
    out.reserveCapacity(compressed.count + 64)
    out.append(contentsOf: pngSignature)
    var header: [UInt8] = []
    appendBigEndian(UInt32(image.width), to: &header)
    appendBigEndian(UInt32(image.height), to: &header)
    header.append(8)  // bit depth
    header.append(colourType(image.format))
    header.append(contentsOf: [0, 0, 0])  // deflate, filter method 0, no interlace
    appendChunk("IHDR", header, to: &out)
    appendChunk("IDAT", compressed, to: &out)
    appendChunk("IEND", [], to: &out)
    return out
  }

  /// The scanlines, each prefixed by its filter type byte: height × (1 + rowBytes) bytes.
  static func filteredScanlines(_ image: RasterImage, strategy: PNGFilterStrategy) -> [UInt8] {
    let rowBytes = image.rowBytes
    let bpp = image.format.channels
    let zeros = [UInt8](repeating: 0, count: rowBytes)
    var out = [UInt8](repeating: 0, count: image.height * (rowBytes + 1))
    var trial = [UInt8](repeating: 0, count: rowBytes)
    image.pixels.withUnsafeBufferPointer { px in
      zeros.withUnsafeBufferPointer { zero in
        out.withUnsafeMutableBufferPointer { dst in
          trial.withUnsafeMutableBufferPointer { scratch in
            for y in 0..<image.height {
              let row = UnsafeBufferPointer(rebasing: px[(y * rowBytes)..<((y + 1) * rowBytes)])
              let previous =
                y == 0
                ? zero : UnsafeBufferPointer(rebasing: px[((y - 1) * rowBytes)..<(y * rowBytes)])
              let start = y * (rowBytes + 1)
              let target = UnsafeMutableBufferPointer(
                rebasing: dst[(start + 1)..<(start + 1 + rowBytes)])
              let chosen: PNGFilter
              switch strategy {
              case .fixed(let f):
                chosen = f
              case .adaptive:
                var best = PNGFilter.none
                var bestCost = Int.max
                for f in PNGFilter.allCases {
                  filterRow(f, row: row, previous: previous, bpp: bpp, into: scratch)
                  let cost = filteredRowCost(scratch)
                  if cost < bestCost {
                    bestCost = cost
                    best = f
                  }
                  if cost == 0 { break }
                }
                chosen = best
              }
              dst[start] = chosen.rawValue
              filterRow(chosen, row: row, previous: previous, bpp: bpp, into: target)
            }
          }
        }
      }
    }
    return out
  }

  static func colourType(_ format: PixelFormat) -> UInt8 {
    switch format {
    case .grey: 0
    case .rgb: 2
    case .rgba: 6
    }
  }

  private static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
    appendBigEndian(UInt32(data.count), to: &out)
    let typeBytes = Array(type.utf8)
    var crc = typeBytes.withUnsafeBytes { Zlib.crc32($0) }
    crc = data.withUnsafeBytes { Zlib.crc32($0, continuing: crc) }
    out.append(contentsOf: typeBytes)
    out.append(contentsOf: data)
    appendBigEndian(crc, to: &out)
  }
}

/// The 8-byte PNG file signature.
let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

@inline(__always)
func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
  out.append(UInt8(truncatingIfNeeded: value >> 24))
  out.append(UInt8(truncatingIfNeeded: value >> 16))
  out.append(UInt8(truncatingIfNeeded: value >> 8))
  out.append(UInt8(truncatingIfNeeded: value))
}
