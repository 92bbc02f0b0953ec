import Foundation
import TensorFiles
import Testing

/// The .npy writer against the format's rules (numpy.lib.format, version 1.0): magic, version,
/// header length, a dict literal with dtype, order and shape, the whole preamble a multiple of
/// 64 bytes ending in a newline, then little-endian float32 in C order.
@Test func numpyFilesFollowTheFormat() throws {
  let values: [Float] = [0, -1, 0.5, 3]
  for shape in [[4], [2, 2], [1, 2, 2, 1]] {
    let bytes = NumpyFile.bytes(values, shape: shape)
    #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + length) % 64 == 0 && bytes[10 + length - 1] == UInt8(ascii: "\n"))
    let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"))
    let data = Array(bytes[(10 + length)...])
    #expect(data.count == 16)
    let decoded = (0..<4).map { i in
      Float(
        bitPattern: UInt32(data[4 * i]) | UInt32(data[4 * i + 1]) << 8
          | UInt32(data[4 * i + 2]) << 16 | UInt32(data[4 * i + 3]) << 24)
    }
    #expect(decoded == values)
  }
}
