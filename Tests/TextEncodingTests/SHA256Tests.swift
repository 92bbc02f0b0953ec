import Foundation
import Testing

@testable import TextEncoding

@Suite struct SHA256Tests {
  /// FIPS 180-2 appendix B examples and the NIST CAVS short-message "" vector.
  @Test func nistVectors() {
    #expect(
      SHA256.hex(SHA256.hash(Array("abc".utf8)))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex(SHA256.hash([]))
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hex(
        SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  /// One million "a" (FIPS 180-2 B.3), fed in uneven pieces to exercise the block buffer.
  @Test func millionAInPieces() {
    var s = SHA256()
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
    var left = 1_000_000
    while left > 0 {
      let n = min(left, chunk.count)
      s.update(Array(chunk.prefix(n)))
      left -= n
    }
    #expect(
      SHA256.hex(s.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    )
  }

  @Test func fileDigestMatchesInMemory() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID()).bin")
    let bytes = (0..<3_000_001).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try SHA256.hexDigest(ofFile: url) == SHA256.hex(SHA256.hash(bytes)))
  }
}
