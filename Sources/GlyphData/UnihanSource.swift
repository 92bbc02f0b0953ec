import CBZip2
import Foundation

/// Reads the text of a Unihan file: bzip2-compressed (Debian's `unicode-data` ships
/// `/usr/share/unicode/Unihan_Readings.txt.bz2`), plain text, or a `.zip` of the Unihan release
/// (the `Unihan_Readings.txt` member, or `member` when given). The format is chosen by the file's magic bytes, not its
/// name. Everything is decompressed in memory (no temporary files).
public enum UnihanSource {
  /// Debian's location of the Unihan readings file.
  public static let defaultPath = "/usr/share/unicode/Unihan_Readings.txt.bz2"
  /// Debian's location of the file with `kRSUnicode` and `kTotalStrokes` (the evaluation labels).
  public static let labelsPath = "/usr/share/unicode/Unihan_IRGSources.txt.bz2"

  /// The decompressed bytes of the file at `path`.
  public static func text(at path: String, member: String = "Unihan_Readings.txt") throws
    -> [UInt8]
  {
    guard FileManager.default.fileExists(atPath: path) else {
      throw GlyphDataError.fileNotFound(path: path)
    }
    let raw: [UInt8]
    do {
      raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw GlyphDataError.unreadable(path: path, reason: "\(error.localizedDescription)")
    }
    if raw.starts(with: [0x42, 0x5A, 0x68]) {  // "BZh"
      return try bunzip2(raw, path: path)
    }
    if raw.starts(with: [0x50, 0x4B, 0x03, 0x04]) || raw.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
      let archive = try ZipArchive(bytes: raw, path: path)
      guard
        let entry = archive.entries.first(where: { $0.name.hasSuffix(member) })
          ?? archive.entries.first(where: {
            $0.name.hasSuffix(".txt") && archive.entries.count == 1
          })
      else {
        let names = archive.entries.map(\.name).joined(separator: ", ")
        throw GlyphDataError.corruptArchive(
          path: path, reason: "no \(member) member (members: \(names))")
      }
      return try archive.contents(of: entry)
    }
    return raw
  }

  /// Streams `compressed` through libbz2's `BZ2_bzDecompress`, 1 MiB of output at a time.
  /// Handles concatenated bzip2 streams (as written by parallel compressors).
  static func bunzip2(_ compressed: [UInt8], path: String) throws -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(compressed.count * 6)
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    var consumed = 0
    try compressed.withUnsafeBufferPointer { input in
      while consumed < input.count {
        var stream = bz_stream()
        guard BZ2_bzDecompressInit(&stream, 0, 0) == BZ_OK else {
          throw GlyphDataError.unreadable(path: path, reason: "bzip2 init failed")
        }
        defer { BZ2_bzDecompressEnd(&stream) }
        stream.next_in = UnsafeMutableRawPointer(mutating: input.baseAddress! + consumed)
          .assumingMemoryBound(to: CChar.self)
        stream.avail_in = UInt32(input.count - consumed)
        var code: Int32 = BZ_OK
        repeat {
          code = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
            stream.next_out = UnsafeMutableRawPointer(out.baseAddress!)
              .assumingMemoryBound(to: CChar.self)
            stream.avail_out = UInt32(chunk)
            return BZ2_bzDecompress(&stream)
          }
          guard code == BZ_OK || code == BZ_STREAM_END else {
            throw GlyphDataError.corruptArchive(path: path, reason: "bzip2 error \(code)")
          }
          out.append(contentsOf: buffer[0..<(chunk - Int(stream.avail_out))])
          if code == BZ_OK && stream.avail_in == 0 && stream.avail_out > 0 {
            throw GlyphDataError.corruptArchive(path: path, reason: "bzip2 data ends early")
          }
        } while code != BZ_STREAM_END
        consumed = input.count - Int(stream.avail_in)
        // Trailing bytes that are not another stream are ignored, like bzip2(1) does.
        if !input[consumed...].starts(with: [0x42, 0x5A, 0x68]) { break }
      }
    }
    return out
  }
}
