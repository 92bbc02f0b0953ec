// Writing safetensors files.

import Foundation

/// Serialisation of named tensors to the safetensors format.
///
/// Layout written: `[u64 LE header length][compact JSON header, space-padded so the data
/// buffer starts at a multiple of 8][data]`, like the Rust `safetensors` crate. Header keys
/// are `__metadata__` (omitted when empty, its keys sorted) then the tensors in UTF-8 byte
/// order of their names; the data buffer holds the tensors in that same order, so the output
/// is a deterministic function of the input.
public enum SafeTensors {
  /// Largest header accepted by readers (the Rust crate's limit).
  public static let maxHeaderBytes = 100_000_000
  /// The reserved header key for string → string metadata.
  public static let metadataKey = "__metadata__"

  /// Serialises and writes atomically (`AtomicFile`), streaming each tensor's bytes to the
  /// file instead of assembling the whole file in memory.
  public static func write(
    _ entries: [SafeTensorsEntry], metadata: [String: String] = [:], to url: URL
  ) throws {
    let (head, sorted): ([UInt8], [SafeTensorsEntry])
    do {
      (head, sorted) = try layout(entries, metadata: metadata)
    } catch {
      throw error.with(file: url.path)
    }
    try AtomicFile.write(to: url) { emit in
      try head.withUnsafeBytes(emit)
      for e in sorted { try e.data.withUnsafeBytes(emit) }
    }
  }

  /// The file's bytes. Throws `.duplicateName`, `.reservedName`, `.invalidShape` or
  /// `.byteCountMismatch` (entries' fields are mutable, so sizes are checked again here).
  public static func serialize(
    _ entries: [SafeTensorsEntry], metadata: [String: String]
  ) throws(SafeTensorsError) -> [UInt8] {
    let (head, sorted) = try layout(entries, metadata: metadata)
    var out: [UInt8] = []
    out.reserveCapacity(head.count + sorted.reduce(0) { $0 + $1.data.count })
    out.append(contentsOf: head)
    for e in sorted { out.append(contentsOf: e.data) }
    return out
  }

  /// Validates the entries and returns the 8-byte length prefix plus padded header, and the
  /// entries in data-buffer order.
  private static func layout(
    _ entries: [SafeTensorsEntry], metadata: [String: String]
  ) throws(SafeTensorsError) -> ([UInt8], [SafeTensorsEntry]) {
    var seen = Set<String>()
    for e in entries {
      if e.name == metadataKey { throw SafeTensorsError(.reservedName, key: e.name) }
      if !seen.insert(e.name).inserted { throw SafeTensorsError(.duplicateName, key: e.name) }
      try SafeTensorsEntry.validate(
        name: e.name, dtype: e.dtype, shape: e.shape, byteCount: e.data.count)
    }
    let sorted = entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

    var header: [UInt8] = [UInt8(ascii: "{")]
    var first = true
    func separator() {
      if !first { header.append(UInt8(ascii: ",")) }
      first = false
    }
    if !metadata.isEmpty {
      separator()
      appendJSONString(metadataKey, to: &header)
      header.append(contentsOf: Array(":{".utf8))
      for (k, (key, value)) in metadata.sorted(by: {
        $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
      })
      .enumerated() {
        if k > 0 { header.append(UInt8(ascii: ",")) }
        appendJSONString(key, to: &header)
        header.append(UInt8(ascii: ":"))
        appendJSONString(value, to: &header)
      }
      header.append(UInt8(ascii: "}"))
    }
    var offset = 0
    for e in sorted {
      separator()
      appendJSONString(e.name, to: &header)
      let shape = e.shape.map(String.init).joined(separator: ",")
      let field =
        ":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],"
        + "\"data_offsets\":[\(offset),\(offset + e.data.count)]}"
      header.append(contentsOf: Array(field.utf8))
      offset += e.data.count
    }
    header.append(UInt8(ascii: "}"))
    header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

    var out: [UInt8] = []
    out.reserveCapacity(8 + header.count)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: header)
    return (out, sorted)
  }
}
