// Interop with the Python `safetensors` package (pinned 0.8.0 with torch 2.13.0+cpu).

import Foundation
import Testing

@testable import TensorFiles
@testable import Tensors

private let fixtureDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures/safetensors")

/// golden.safetensors: written by torch's `save_file` in
/// scripts/reference/safetensors_fixtures.py (seed 20261126). Each converted tensor is stored
/// beside the values it must decode to, computed by torch.
@Test func readsGoldenFileWrittenByPython() throws {
  let f = try SafeTensorsFile(contentsOf: fixtureDir.appendingPathComponent("golden.safetensors"))
  #expect(f.metadata["generator"] == "scripts/reference/safetensors_fixtures.py")
  #expect(f.metadata["text"] == "glyph 字 \"quoted\" \\ back\nslash")
  #expect(f.names.contains("bf16") && f.names == f.names.sorted())

  #expect(try f.info("f32").shape == [3, 5])
  #expect(try f.floats("f32").count == 15)
  #expect(try f.info("scalar").shape == [])
  #expect(try f.floats("scalar") == [0.125])
  #expect(try f.info("empty").shape == [0, 3])
  #expect(try f.floats("empty") == [])
  #expect(
    try f.floats("f32_special").map(\.bitPattern)
      == [
        0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, 1.5,
        -2.75,
      ]
      .map(\.bitPattern))

  // Decoding: Swift's widening equals torch's `.float()`.
  for (half, decoded) in [("bf16", "bf16_as_f32"), ("f16", "f16_as_f32"), ("f64", "f64_as_f32")] {
    let got = try f.floats(half).map(\.bitPattern)
    let want = try f.floats(decoded).map(\.bitPattern)
    #expect(got == want, "\(half)")
  }
  // Encoding: Swift's round-to-nearest-even equals torch's `.to(bfloat16 / float16)`.
  for (half, source, encode) in [
    ("bf16", "bf16_source", bf16Bits), ("f16", "f16_source", f16Bits),
  ] as [(String, String, (Float) -> UInt16)] {
    let torchBits = try f.withBytes(half) { raw in
      (0..<raw.count / 2).map {
        UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))
      }
    }
    #expect(try f.floats(source).map(encode) == torchBits, "\(half)")
  }
  #expect(try f.int64s("i64") == [.min, .max, 0, -1, 1, 123_456_789_012_345])
  #expect(try f.int64s("i32") == f.int64s("i32_as_i64"))
  #expect(try f.uint8s("u8") == (0...255).map { UInt8($0) })  // torch.arange(256)
  #expect(try f.uint8s("bool") == [1, 0, 0, 1, 1])
  #expect(try f.info("bool").dtype == .bool)
}

/// The tensors of swift_written.safetensors; scripts/reference/safetensors_fixtures.py
/// (`swift_expected`) holds the same values and checks the committed file with Python
/// (`--check-swift`).
private func swiftWrittenEntries() throws -> ([SafeTensorsEntry], [String: String]) {
  func raw<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }
  let entries: [SafeTensorsEntry] = [
    .f32("a.f32", shape: [3, 4], (0..<12).map { Float($0) * 0.25 - 3 }),
    .bf16("b.bf16", shape: [2, 3], [1, -2.5, 3.140625, 0, -0.0, 65280]),
    .f16("c.f16", shape: [5], [1, -2.5, 0.1, 65504, 0x1p-24]),
    .i64("d.i64", shape: [4], [.min, -1, 0, .max]),
    .u8("e.u8", shape: [2, 2], [0, 1, 128, 255]),
    try SafeTensorsEntry(name: "f.i32", dtype: .i32, shape: [3], data: raw([Int32.min, 7, .max])),
    try SafeTensorsEntry(name: "g.f64", dtype: .f64, shape: [2], data: raw([0.1, -1e300])),
    try SafeTensorsEntry(name: "h.bool", dtype: .bool, shape: [3], data: [1, 0, 1]),
    .f32("i.scalar", shape: [], [42]),
    .f32("j.empty", shape: [0, 4], []),
    .u8("unicode 字", shape: [1], [7]),
  ]
  return (entries, ["format": "pt", "note": "from \"Swift\" \\ 字\n"])
}

/// Swift's serialiser still produces the exact bytes Python has checked. To regenerate after
/// an intended format change: `GLYFFUSER_REGENERATE_FIXTURES=1 swift test --filter
/// swiftWrittenFile`, then `python scripts/reference/safetensors_fixtures.py --check-swift`.
@Test func swiftWrittenFileMatchesCommittedBytes() throws {
  let (entries, metadata) = try swiftWrittenEntries()
  let url = fixtureDir.appendingPathComponent("swift_written.safetensors")
  let bytes = try SafeTensors.serialize(entries, metadata: metadata)
  if ProcessInfo.processInfo.environment["GLYFFUSER_REGENERATE_FIXTURES"] == "1" {
    try AtomicFile.write(bytes, to: url)
  }
  let committed = try [UInt8](Data(contentsOf: url))
  #expect(bytes == committed)
  let f = try SafeTensorsFile(contentsOf: url)
  #expect(f.metadata == metadata)
  for e in entries {
    #expect(try f.withBytes(e.name) { Array($0) } == e.data, "\(e.name)")
  }
}
