// safetensors write → read round trips, layout, and access errors.

import Foundation
import Testing

@testable import TensorFiles
@testable import Tensors

func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "glyffuser-io-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// One entry per dtype, with awkward values (extremes, signed zero, non-finite).
func everyDTypeEntries() throws -> [SafeTensorsEntry] {
  let f64: [Double] = [0.1, -1e300, .infinity, -0.0]
  return [
    .f32(
      "f32", shape: [2, 3],
      [0, -0.0, 1.5, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]),
    .f16("f16", shape: [4], [1, -2.5, 65504, 5.9604645e-8]),
    .bf16("bf16", shape: [2, 2], [1, -2.5, 3.140625, -65280]),
    .i64("i64", shape: [3], [.min, -1, .max]),
    .u8("u8", shape: [2, 2], [0, 1, 128, 255]),
    try SafeTensorsEntry(
      name: "i32", dtype: .i32, shape: [3],
      data: [Int32.min, 7, .max].flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }),
    try SafeTensorsEntry(
      name: "f64", dtype: .f64, shape: [2, 2],
      data: f64.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }),
    try SafeTensorsEntry(name: "bool", dtype: .bool, shape: [3], data: [1, 0, 1]),
    .f32("scalar", shape: [], [42]),
    .f32("empty", shape: [0, 4], []),
  ]
}

@Test func roundTripEveryDTypeThroughAFile() throws {
  let dir = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("all.safetensors")
  let entries = try everyDTypeEntries()
  let metadata = ["format": "pt", "quote\"and\\slash": "line\nbreak 字", "ctl": "\u{1}"]
  try SafeTensors.write(entries, metadata: metadata, to: url)

  let f = try SafeTensorsFile(contentsOf: url)
  #expect(try Data(contentsOf: url) == Data(SafeTensors.serialize(entries, metadata: metadata)))
  #expect(f.path == url.path)
  #expect(f.metadata == metadata)
  #expect(f.names == entries.map(\.name).sorted())
  for e in entries {
    let (dtype, shape) = try f.info(e.name)
    #expect(dtype == e.dtype && shape == e.shape, "\(e.name)")
    let bytes = try f.withBytes(e.name) { Array($0) }
    #expect(bytes == e.data, "\(e.name)")
  }
  #expect(
    try f.floats("f32").map(\.bitPattern)
      == [0, -0.0, 1.5, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude].map(
        \.bitPattern))
  #expect(try f.floats("f16") == [1, -2.5, 65504, 5.9604645e-8])
  #expect(try f.floats("bf16") == [1, -2.5, 3.140625, -65280])
  #expect(try f.floats("f64") == [0.1, -1e300, .infinity, -0.0].map { Float($0) })
  #expect(try f.int64s("i64") == [.min, -1, .max])
  #expect(try f.int64s("i32") == [Int64(Int32.min), 7, Int64(Int32.max)])
  #expect(try f.int64s("u8") == [0, 1, 128, 255])
  #expect(try f.uint8s("u8") == [0, 1, 128, 255])
  #expect(try f.uint8s("bool") == [1, 0, 1])
  #expect(try f.floats("scalar") == [42])
  #expect(try f.floats("empty") == [])
}

@Test func serializedLayoutMatchesTheFormat() throws {
  let bytes = try SafeTensors.serialize(
    [.u8("b", shape: [3], [7, 8, 9]), .f32("a", shape: [1], [2])], metadata: ["k": "v"])
  let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
  #expect((8 + n) % 8 == 0, "data buffer must be 8-byte aligned")
  let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
  let expected =
    #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
    + #""b":{"dtype":"U8","shape":[3],"data_offsets":[4,7]}}"#
  #expect(header.hasPrefix(expected))
  #expect(header.dropFirst(expected.utf8.count).allSatisfy { $0 == " " })
  #expect(Array(bytes[(8 + n)...]) == [0, 0, 0x00, 0x40, 7, 8, 9])  // 2.0f LE, then b
  #expect(bytes.count == 8 + n + 7)
  // Deterministic: input order does not matter.
  let again = try SafeTensors.serialize(
    [.f32("a", shape: [1], [2]), .u8("b", shape: [3], [7, 8, 9])], metadata: ["k": "v"])
  #expect(again == bytes)
}

@Test func noMetadataWritesNoMetadataKey() throws {
  let f = try SafeTensorsFile(bytes: SafeTensors.serialize([], metadata: [:]))
  #expect(f.names.isEmpty && f.metadata.isEmpty)
  let bytes = try SafeTensors.serialize([.u8("x", shape: [1], [1])], metadata: [:])
  #expect(!String(decoding: bytes, as: UTF8.self).contains("__metadata__"))
}

@Test func writerRejectsBadEntries() throws {
  func kind(_ body: () throws -> Void) -> SafeTensorsError.Kind? {
    do {
      try body()
      return nil
    } catch {
      return (error as? SafeTensorsError)?.kind
    }
  }
  let a = SafeTensorsEntry.u8("a", shape: [1], [1])
  #expect(kind { _ = try SafeTensors.serialize([a, a], metadata: [:]) } == .duplicateName)
  #expect(
    kind { _ = try SafeTensors.serialize([.u8("__metadata__", shape: [1], [1])], metadata: [:]) }
      == .reservedName)
  #expect(
    kind { _ = try SafeTensorsEntry(name: "x", dtype: .f32, shape: [2], data: [0, 0, 0, 0]) }
      == .byteCountMismatch)
  #expect(
    kind { _ = try SafeTensorsEntry(name: "x", dtype: .f32, shape: [-1], data: []) }
      == .invalidShape)
  var mutated = a
  mutated.data.append(2)
  #expect(kind { _ = try SafeTensors.serialize([mutated], metadata: [:]) } == .byteCountMismatch)
}

@Test func accessErrorsAreTyped() throws {
  let f = try SafeTensorsFile(
    bytes: SafeTensors.serialize(
      [.f32("w", shape: [1], [1]), .u8("m", shape: [1], [1])], metadata: [:]))
  #expect(f.contains("w") && !f.contains("nope"))
  #expect(throws: SafeTensorsError(.tensorNotFound, key: "nope")) { try f.floats("nope") }
  #expect(throws: SafeTensorsError(.dtypeMismatch, key: "w", detail: "F32 read as UInt8")) {
    try f.uint8s("w")
  }
  #expect(throws: SafeTensorsError(.dtypeMismatch, key: "m", detail: "U8 read as Float")) {
    try f.floats("m")
  }
  #expect(throws: SafeTensorsError(.dtypeMismatch, key: "w", detail: "F32 read as Int64")) {
    try f.int64s("w")
  }
  do {
    _ = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
    Issue.record("opened a missing file")
  } catch let e as SafeTensorsError {
    #expect(e.kind == .io && e.file == "/nonexistent/x.safetensors")
    #expect(e.description.contains("No such file"))
  }
}

@Test func fileErrorsNameTheFile() throws {
  let dir = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("bad.safetensors")
  try AtomicFile.write(
    safeTensorsBytes(#"{"a":{"dtype":"X","shape":[],"data_offsets":[0,0]}}"#), to: url)
  #expect(throws: SafeTensorsError(.unknownDType, file: url.path, key: "a", detail: "X")) {
    try SafeTensorsFile(contentsOf: url)
  }
  #expect(throws: SafeTensorsError(.io, file: dir.path, detail: "not a regular file")) {
    try SafeTensorsFile(contentsOf: dir)
  }
  try AtomicFile.write([1, 2, 3], to: url)
  #expect(throws: SafeTensorsError(.fileTooShort, file: url.path, detail: "3 bytes")) {
    try SafeTensorsFile(contentsOf: url)
  }
}

@Test func atomicWriteReplacesAndLeavesNoTemporaries() throws {
  let dir = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("out.bin")
  try AtomicFile.write([1, 2, 3], to: url)
  // An open map of the old file stays valid after replacement (rename, not overwrite).
  try SafeTensors.write([.u8("x", shape: [2], [5, 6])], to: url)
  let old = try SafeTensorsFile(contentsOf: url)
  try AtomicFile.write(Data([9, 9]), to: url)
  #expect(try Data(contentsOf: url) == Data([9, 9]))
  #expect(try old.uint8s("x") == [5, 6])
  #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.bin"])
  // A streamed write that fails midway leaves the old file and no temporary behind.
  struct Stop: Error {}
  #expect(throws: Stop.self) {
    try AtomicFile.write(to: url) { emit in
      try [UInt8](repeating: 1, count: 1000).withUnsafeBytes(emit)
      throw Stop()
    }
  }
  #expect(try Data(contentsOf: url) == Data([9, 9]))
  #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.bin"])
  // A missing directory fails with the system error, not a trap.
  #expect(throws: AtomicFileError.self) {
    try AtomicFile.write([1], to: dir.appendingPathComponent("missing/x.bin"))
  }
}

/// Conversions on a misaligned data start (a 1-byte tensor first) and lengths that exercise
/// the 8-wide bf16 path and its scalar tail; `readFloats` equals `floats`.
@Test func floatConversionsOnMisalignedData() throws {
  let values = (0..<19).map { Float($0) * 1.375 - 9 }
  let f = try SafeTensorsFile(
    bytes: SafeTensors.serialize(
      [
        .u8("a", shape: [1], [0xAB]), .bf16("b", shape: [19], values),
        .f16("c", shape: [19], values), .f32("d", shape: [19], values),
      ], metadata: [:]))
  for name in ["b", "c", "d"] {
    let rawStart = try f.withBytes(name) { Int(bitPattern: $0.baseAddress) }
    #expect(rawStart % 2 == 1, "\(name) should start misaligned")
  }
  #expect(try f.floats("b") == values.map { floatFromBF16Bits(bf16Bits($0)) })
  #expect(try f.floats("c") == values.map { floatFromF16Bits(f16Bits($0)) })
  #expect(try f.floats("d") == values)
  var buffer = [Float](repeating: .nan, count: 19)
  try buffer.withUnsafeMutableBufferPointer { try f.readFloats("b", into: $0) }
  #expect(try buffer == f.floats("b"))
}
