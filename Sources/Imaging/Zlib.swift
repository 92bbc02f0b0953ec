import CZlib

/// A zlib call that failed, with zlib's return code and message.
public struct ZlibError: Error, Sendable, CustomStringConvertible {
  public let operation: String
  public let code: Int32
  public let message: String
  public var description: String { "zlib \(operation) failed (\(code)): \(message)" }
}

/// Thin wrappers over the system zlib (RFC 1950 zlib streams, RFC 1951 raw deflate, CRC-32).
public enum Zlib {
  /// Compresses `bytes` into one zlib stream (RFC 1950) at `level` (0...9; 1 is fastest).
  public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 6) throws -> [UInt8] {
    var destLength = compressBound(uLong(bytes.count))
    var out = [UInt8](repeating: 0, count: Int(destLength))
    let code = out.withUnsafeMutableBufferPointer { dst in
      compress2(
        dst.baseAddress, &destLength, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self),
        uLong(bytes.count), level)
    }
    guard code == Z_OK else {
      throw ZlibError(operation: "compress2", code: code, message: errorMessage(code))
    }
    out.removeLast(out.count - Int(destLength))
    return out
  }

  /// Inflates a zlib stream (`raw == false`) or raw deflate data (`raw == true`, as in .zip).
  /// `expectedSize` pre-sizes the output; with `exact` the result must have exactly that size.
  public static func inflate(
    _ bytes: UnsafeRawBufferPointer, raw: Bool, expectedSize: Int? = nil, exact: Bool = false
  ) throws -> [UInt8] {
    var stream = z_stream()
    var code = inflateInit2_(
      &stream, raw ? -MAX_WBITS : MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard code == Z_OK else {
      throw ZlibError(operation: "inflateInit2", code: code, message: errorMessage(code))
    }
    defer { inflateEnd(&stream) }
    // A claimed size is trusted only up to what deflate can produce (1032:1), so a hostile
    // header cannot make this allocate more than the input could ever fill.
    let bound = bytes.count * 1032 + 1024
    var out = [UInt8](repeating: 0, count: max(min(expectedSize ?? bytes.count * 4, bound), 64))
    var produced = 0
    stream.next_in = UnsafeMutablePointer(
      mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
    stream.avail_in = uInt(bytes.count)
    while true {
      if produced == out.count {
        if exact {
          throw ZlibError(
            operation: "inflate", code: Z_DATA_ERROR, message: "more data than expected")
        }
        out.append(contentsOf: repeatElement(0, count: out.count))
      }
      code = out.withUnsafeMutableBufferPointer { dst -> Int32 in
        stream.next_out = dst.baseAddress! + produced
        stream.avail_out = uInt(dst.count - produced)
        let before = stream.avail_out
        let result = CZlib.inflate(&stream, Z_NO_FLUSH)
        produced += Int(before - stream.avail_out)
        return result
      }
      if code == Z_STREAM_END { break }
      if code == Z_BUF_ERROR && stream.avail_in == 0 {
        throw ZlibError(operation: "inflate", code: code, message: "truncated compressed data")
      }
      guard code == Z_OK || code == Z_BUF_ERROR else {
        let message = stream.msg.map { String(cString: $0) } ?? errorMessage(code)
        throw ZlibError(operation: "inflate", code: code, message: message)
      }
    }
    if exact, let expectedSize, produced != expectedSize {
      throw ZlibError(
        operation: "inflate", code: Z_DATA_ERROR,
        message: "inflated \(produced) bytes, expected \(expectedSize)")
    }
    out.removeLast(out.count - produced)
    return out
  }

  /// CRC-32 (ISO 3309, as used by PNG and zip), continuing from `crc` (0 to start).
  public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
    UInt32(
      CZlib.crc32_z(
        uLong(crc), bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), z_size_t(bytes.count)))
  }

  private static func errorMessage(_ code: Int32) -> String {
    zError(code).map { String(cString: $0) } ?? "unknown error"
  }
}
