// Hostile safetensors input: every malformed file maps to a typed error, never a trap.

import Foundation
import Testing

@testable import TensorFiles
@testable import Tensors

/// A safetensors file from a header string and data bytes; `length` overrides the prefix.
func safeTensorsBytes(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
  let h = Array(header.utf8)
  var out: [UInt8] = []
  withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
  return out + h + data
}

struct HostileCase: CustomTestStringConvertible, Sendable {
  var label: String
  var bytes: [UInt8]
  var kind: SafeTensorsError.Kind
  var key: String? = nil
  var testDescription: String { "\(label) → \(kind)" }
}

private let f32x2 = #""dtype":"F32","shape":[2]"#

let hostileCases: [HostileCase] = [
  HostileCase(label: "empty file", bytes: [], kind: .fileTooShort),
  HostileCase(label: "7 bytes", bytes: [1, 0, 0, 0, 0, 0, 0], kind: .fileTooShort),
  HostileCase(
    label: "header length 100 MB + 1", bytes: safeTensorsBytes("{}", length: 100_000_001),
    kind: .headerTooLarge),
  HostileCase(
    label: "header length UInt64.max", bytes: safeTensorsBytes("{}", length: .max),
    kind: .headerTooLarge),
  HostileCase(
    label: "header past end", bytes: safeTensorsBytes("{}", length: 3), kind: .headerPastEnd),
  HostileCase(label: "empty header", bytes: safeTensorsBytes(""), kind: .invalidJSON),
  HostileCase(label: "truncated JSON", bytes: safeTensorsBytes(#"{"a":"#), kind: .invalidJSON),
  HostileCase(label: "not JSON", bytes: safeTensorsBytes("hello"), kind: .invalidJSON),
  HostileCase(label: "trailing garbage", bytes: safeTensorsBytes("{} x"), kind: .invalidJSON),
  HostileCase(
    label: "raw control character in key", bytes: safeTensorsBytes("{\"\u{1}\":{}}"),
    kind: .invalidJSON),
  HostileCase(
    label: "invalid UTF-8 byte",
    bytes: {
      var b = safeTensorsBytes(#"{"ab":{}}"#)
      b[10] = 0xFF
      return b
    }(),
    kind: .invalidJSON),
  HostileCase(
    label: "lone surrogate", bytes: safeTensorsBytes(#"{"\ud800":{}}"#), kind: .invalidJSON),
  HostileCase(
    label: "nesting 100 000 deep",
    bytes: safeTensorsBytes(String(repeating: "[", count: 100_000)), kind: .invalidJSON),
  HostileCase(label: "leading zero", bytes: safeTensorsBytes(#"{"a":01}"#), kind: .invalidJSON),
  HostileCase(label: "array header", bytes: safeTensorsBytes("[1, 2]"), kind: .headerNotObject),
  HostileCase(label: "null header", bytes: safeTensorsBytes("null"), kind: .headerNotObject),
  HostileCase(
    label: "entry not object", bytes: safeTensorsBytes(#"{"a":5}"#), kind: .malformedEntry, key: "a"
  ),
  HostileCase(
    label: "missing data_offsets", bytes: safeTensorsBytes(#"{"a":{\#(f32x2)}}"#),
    kind: .malformedEntry, key: "a"),
  HostileCase(
    label: "unknown field",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[0,8],"x":1}}"#, data: .init(repeating: 0, count: 8)),
    kind: .malformedEntry, key: "a"),
  HostileCase(
    label: "dtype not a string",
    bytes: safeTensorsBytes(#"{"a":{"dtype":1,"shape":[],"data_offsets":[0,4]}}"#),
    kind: .malformedEntry, key: "a"),
  HostileCase(
    label: "unknown dtype",
    bytes: safeTensorsBytes(#"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}"#, data: [0]),
    kind: .unknownDType, key: "w"),
  HostileCase(
    label: "negative dimension",
    bytes: safeTensorsBytes(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#),
    kind: .invalidShape, key: "a"),
  HostileCase(
    label: "fractional dimension",
    bytes: safeTensorsBytes(#"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#),
    kind: .invalidShape, key: "a"),
  HostileCase(
    label: "boolean dimension",
    bytes: safeTensorsBytes(#"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#),
    kind: .invalidShape, key: "a"),
  HostileCase(
    label: "dimension past Int.max",
    bytes: safeTensorsBytes(
      #"{"a":{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,0]}}"#),
    kind: .invalidShape, key: "a"),
  HostileCase(
    label: "element count overflows",
    bytes: safeTensorsBytes(
      #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}}"#),
    kind: .invalidShape, key: "a"),
  HostileCase(
    label: "one offset", bytes: safeTensorsBytes(#"{"a":{\#(f32x2),"data_offsets":[0]}}"#),
    kind: .invalidOffsets, key: "a"),
  HostileCase(
    label: "begin after end",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[8,0]}}"#, data: .init(repeating: 0, count: 8)),
    kind: .invalidOffsets, key: "a"),
  HostileCase(
    label: "negative offset", bytes: safeTensorsBytes(#"{"a":{\#(f32x2),"data_offsets":[-1,7]}}"#),
    kind: .invalidOffsets, key: "a"),
  HostileCase(
    label: "string offsets",
    bytes: safeTensorsBytes(#"{"a":{\#(f32x2),"data_offsets":["0","8"]}}"#),
    kind: .invalidOffsets, key: "a"),
  HostileCase(
    label: "offsets span 4 bytes for 8",
    bytes: safeTensorsBytes(#"{"a":{\#(f32x2),"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
    kind: .sizeMismatch, key: "a"),
  HostileCase(
    label: "end past the buffer",
    bytes: safeTensorsBytes(#"{"a":{\#(f32x2),"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
    kind: .offsetsOutOfBounds, key: "a"),
  HostileCase(
    label: "overlap",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[0,8]},"b":{\#(f32x2),"data_offsets":[4,12]}}"#,
      data: .init(repeating: 0, count: 12)),
    kind: .overlappingOffsets, key: "b"),
  HostileCase(
    label: "empty tensor inside another",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#,
      data: .init(repeating: 0, count: 8)),
    kind: .overlappingOffsets, key: "z"),
  HostileCase(
    label: "gap between tensors",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[0,8]},"b":{\#(f32x2),"data_offsets":[12,20]}}"#,
      data: .init(repeating: 0, count: 20)),
    kind: .holeInBuffer, key: "b"),
  HostileCase(
    label: "trailing bytes",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 9)),
    kind: .holeInBuffer),
  HostileCase(
    label: "data but no tensors", bytes: safeTensorsBytes("{}", data: [1]), kind: .holeInBuffer),
  HostileCase(
    label: "duplicate name",
    bytes: safeTensorsBytes(
      #"{"a":{\#(f32x2),"data_offsets":[0,8]},"a":{\#(f32x2),"data_offsets":[8,16]}}"#,
      data: .init(repeating: 0, count: 16)),
    kind: .duplicateName, key: "a"),
  HostileCase(
    label: "metadata value not a string",
    bytes: safeTensorsBytes(#"{"__metadata__":{"epoch":3}}"#), kind: .invalidMetadata,
    key: "__metadata__"),
  HostileCase(
    label: "metadata not an object", bytes: safeTensorsBytes(#"{"__metadata__":["a"]}"#),
    kind: .invalidMetadata, key: "__metadata__"),
  HostileCase(
    label: "metadata twice",
    bytes: safeTensorsBytes(#"{"__metadata__":{},"__metadata__":{}}"#), kind: .invalidMetadata,
    key: "__metadata__"),
  HostileCase(
    label: "metadata key twice",
    bytes: safeTensorsBytes(#"{"__metadata__":{"k":"1","k":"2"}}"#), kind: .invalidMetadata,
    key: "__metadata__"),
]

@Test(arguments: hostileCases)
func hostileInputThrowsTypedError(_ c: HostileCase) {
  do {
    let f = try SafeTensorsFile(bytes: c.bytes)
    Issue.record("accepted hostile input; names \(f.names)")
  } catch let e as SafeTensorsError {
    #expect(e.kind == c.kind, "\(e)")
    if let key = c.key { #expect(e.key == key, "\(e)") }
    #expect(e.description.contains(e.kind.rawValue))
  } catch {
    Issue.record("untyped error \(error)")
  }
}

/// Every reader-side error kind has at least one hostile case above.
@Test func hostileCasesCoverEveryHeaderErrorKind() {
  let writerOrAccessKinds: Set<SafeTensorsError.Kind> = [
    .reservedName, .tensorNotFound, .dtypeMismatch, .byteCountMismatch, .io,
  ]
  let covered = Set(hostileCases.map(\.kind))
  let missing = Set(SafeTensorsError.Kind.allCases).subtracting(writerOrAccessKinds).subtracting(
    covered)
  #expect(missing.isEmpty, "no hostile case for \(missing)")
}

/// Every prefix of a valid file is rejected with a typed error (no trap, no acceptance).
@Test func everyTruncationOfAValidFileIsRejected() throws {
  let bytes = try SafeTensors.serialize(
    [.f32("a", shape: [2], [1, 2]), .u8("b", shape: [3], [1, 2, 3])], metadata: ["k": "v"])
  _ = try SafeTensorsFile(bytes: bytes)
  for n in 0..<bytes.count {
    #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(bytes: Array(bytes[..<n])) }
  }
}

/// Flipping any single header byte never traps (it may still parse, e.g. a changed name).
@Test func headerByteFlipsNeverTrap() throws {
  let bytes = try SafeTensors.serialize(
    [.f32("a", shape: [2], [1, 2]), .i64("b", shape: [1], [5])], metadata: ["k": "v"])
  let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
  var rejected = 0
  for i in 0..<headerEnd {
    for flip: UInt8 in [0x01, 0x20, 0x80] {
      var b = bytes
      b[i] ^= flip
      do {
        _ = try SafeTensorsFile(bytes: b)
      } catch is SafeTensorsError {
        rejected += 1
      }
    }
  }
  #expect(rejected > headerEnd)  // most flips break the header; none may crash
}
