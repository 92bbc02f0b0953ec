import Imaging

/// A minimal reader for .zip archives (PKWARE APPNOTE 6.3): finds the end-of-central-directory
/// record, reads the central directory, and extracts stored (method 0) or deflated (method 8)
/// members through zlib's raw inflate, checking each member's CRC-32. No ZIP64, no encryption.
struct ZipArchive {
  struct Entry {
    let name: String
    let method: UInt16
    let flags: UInt16
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    let localHeaderOffset: Int
  }

  let bytes: [UInt8]
  let path: String
  let entries: [Entry]

  init(bytes: [UInt8], path: String) throws {
    self.bytes = bytes
    self.path = path
    func fail(_ why: String) -> GlyphDataError { .corruptArchive(path: path, reason: why) }
    // End of central directory: signature 0x06054b50, 22 bytes + a comment of up to 65535.
    let minimum = 22
    guard bytes.count >= minimum else { throw fail("too short for a zip file") }
    var eocd = -1
    var i = bytes.count - minimum
    let lowest = max(0, bytes.count - minimum - 65535)
    while i >= lowest {
      if readLE32(bytes, i) == 0x0605_4B50 {
        eocd = i
        break
      }
      i -= 1
    }
    guard eocd >= 0 else { throw fail("no end-of-central-directory record") }
    let count = Int(readLE16(bytes, eocd + 10))
    let directorySize = Int(readLE32(bytes, eocd + 12))
    let directoryOffset = Int(readLE32(bytes, eocd + 16))
    guard directoryOffset != 0xFFFF_FFFF, count != 0xFFFF else { throw fail("ZIP64 unsupported") }
    guard directoryOffset + directorySize <= eocd else {
      throw fail("central directory out of range")
    }
    var entries: [Entry] = []
    var p = directoryOffset
    for n in 0..<count {
      guard p + 46 <= eocd, readLE32(bytes, p) == 0x0201_4B50 else {
        throw fail("central directory entry \(n) is damaged")
      }
      let nameLength = Int(readLE16(bytes, p + 28))
      let extraLength = Int(readLE16(bytes, p + 30))
      let commentLength = Int(readLE16(bytes, p + 32))
      guard p + 46 + nameLength <= eocd else { throw fail("entry \(n) name out of range") }
      entries.append(
        Entry(
          name: String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
          method: readLE16(bytes, p + 10), flags: readLE16(bytes, p + 8),
          crc32: readLE32(bytes, p + 16), compressedSize: Int(readLE32(bytes, p + 20)),
          uncompressedSize: Int(readLE32(bytes, p + 24)),
          localHeaderOffset: Int(readLE32(bytes, p + 42))))
      p += 46 + nameLength + extraLength + commentLength
    }
    self.entries = entries
  }

  /// The uncompressed bytes of `entry`.
  func contents(of entry: Entry) throws -> [UInt8] {
    func fail(_ why: String) -> GlyphDataError {
      .corruptArchive(path: path, reason: "\(entry.name): \(why)")
    }
    let h = entry.localHeaderOffset
    guard h + 30 <= bytes.count, readLE32(bytes, h) == 0x0403_4B50 else {
      throw fail("bad local header")
    }
    guard entry.flags & 1 == 0 else { throw fail("encrypted members are unsupported") }
    let start = h + 30 + Int(readLE16(bytes, h + 26)) + Int(readLE16(bytes, h + 28))
    guard start + entry.compressedSize <= bytes.count else { throw fail("data out of range") }
    let data: [UInt8]
    switch entry.method {
    case 0:
      data = Array(bytes[start..<(start + entry.compressedSize)])
    case 8:
      // Deflate expands at most 1032:1 (RFC 1951's longest match per 258 bytes from 2 bits): a
      // larger claimed size is a damaged or hostile header, refused before anything is allocated.
      guard entry.uncompressedSize <= entry.compressedSize * 1032 + 1024 else {
        throw fail(
          "claims \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed, more "
            + "than deflate can produce")
      }
      do {
        data = try bytes[start..<(start + entry.compressedSize)].withUnsafeBytes {
          try Zlib.inflate($0, raw: true, expectedSize: entry.uncompressedSize, exact: true)
        }
      } catch let error as ZlibError {
        throw fail(error.description)
      }
    default:
      throw fail("compression method \(entry.method) unsupported (only stored and deflate)")
    }
    guard data.count == entry.uncompressedSize else { throw fail("size mismatch") }
    let crc = data.withUnsafeBytes { Zlib.crc32($0) }
    guard crc == entry.crc32 else { throw fail("CRC mismatch") }
    return data
  }
}

@inline(__always)
private func readLE16(_ b: [UInt8], _ i: Int) -> UInt16 {
  UInt16(b[i]) | UInt16(b[i + 1]) << 8
}

@inline(__always)
private func readLE32(_ b: [UInt8], _ i: Int) -> UInt32 {
  UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}
