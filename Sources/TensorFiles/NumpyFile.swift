import Foundation

/// NumPy's `.npy` format, version 1.0 (numpy.lib.format): the magic `\x93NUMPY`, the version,
/// a little-endian 16-bit header length, a Python dict literal naming dtype, order and shape
/// padded with spaces to a 64-byte boundary and ended by a newline, then the data in C order.
/// For handing raw values to Python tools (`glyffuser generate --raw`); written atomically.
public enum NumpyFile {
  /// The bytes of a float32 array of `shape` holding `values` (C order).
  public static func bytes(_ values: [Float], shape: [Int]) -> [UInt8] {
    precondition(
      shape.reduce(1, *) == values.count, "NumpyFile: \(values.count) values, shape \(shape)")
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
    let unpadded = 10 + header.utf8.count + 1  // magic + version + length, header, newline
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let length = UInt16(header.utf8.count)
    out += [UInt8(length & 0xFF), UInt8(length >> 8)]
    out += Array(header.utf8)
    values.map(\.bitPattern.littleEndian).withUnsafeBytes { out += $0 }
    return out
  }

  public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
    try AtomicFile.write(bytes(values, shape: shape), to: url)
  }
}
