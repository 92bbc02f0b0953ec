// Reading a safetensors file through a read-only memory map.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A validated safetensors file. The whole header is checked at `init`; tensor bytes are
/// read lazily from a read-only `mmap` (or an owned copy for `init(bytes:)`).
///
/// Reading assumes a little-endian host (x86-64, arm64), as the format does. The file must not
/// be truncated by another process while open (the map would fault, as with any mmap reader);
/// writers here replace files by rename (`AtomicFile`), which leaves open maps intact.
public final class SafeTensorsFile: @unchecked Sendable {
  // Immutable after init, so sharing across threads is safe.
  private let base: UnsafeRawPointer?
  private let length: Int
  private let isMapped: Bool
  private let header: SafeTensorsHeader
  private let sortedNames: [String]
  /// Path of the file, or nil for in-memory bytes.
  public let path: String?
  /// The `__metadata__` object (empty when absent).
  public let metadata: [String: String]

  /// Maps and validates the file at `url`.
  public init(contentsOf url: URL) throws {
    let path = url.path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw Self.ioError("open", path) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw Self.ioError("fstat", path) }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
      throw SafeTensorsError(.io, file: path, detail: "not a regular file")
    }
    let length = Int(st.st_size)
    guard length >= 8 else {
      throw SafeTensorsError(.fileTooShort, file: path, detail: "\(length) bytes")
    }
    guard let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
      throw Self.ioError("mmap", path)
    }
    let base = UnsafeRawPointer(map)
    do {
      header = try SafeTensorsHeader.parse(base, length: length)
    } catch {
      munmap(map, length)
      throw error.with(file: path)
    }
    self.base = base
    self.length = length
    self.isMapped = true
    self.path = path
    self.metadata = header.metadata
    self.sortedNames = Self.sortNames(header.records.keys)
  }

  /// Validates in-memory bytes (copied); for tests and data that never touched a disk.
  public init(bytes: [UInt8]) throws {
    let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    bytes.withUnsafeBytes { src in
      if let p = src.baseAddress, !src.isEmpty { copy.copyMemory(from: p, byteCount: src.count) }
    }
    do {
      header = try SafeTensorsHeader.parse(UnsafeRawPointer(copy), length: bytes.count)
    } catch {
      copy.deallocate()
      throw error
    }
    self.base = UnsafeRawPointer(copy)
    self.length = bytes.count
    self.isMapped = false
    self.path = nil
    self.metadata = header.metadata
    self.sortedNames = Self.sortNames(header.records.keys)
  }

  deinit {
    guard let base else { return }
    if isMapped {
      munmap(UnsafeMutableRawPointer(mutating: base), length)
    } else {
      base.deallocate()
    }
  }

  /// Tensor names in UTF-8 byte order (Python's `sorted` order for str).
  public var names: [String] { sortedNames }

  /// Whether a tensor of that name exists.
  public func contains(_ name: String) -> Bool { header.records[name] != nil }

  public func info(_ name: String) throws -> (dtype: SafeTensorsDType, shape: [Int]) {
    let r = try record(name)
    return (r.dtype, r.shape)
  }

  /// The tensor's raw little-endian bytes; valid only inside `body`. No alignment is
  /// guaranteed beyond 1 (use `loadUnaligned`).
  public func withBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws
    -> R
  {
    let r = try record(name)
    return try body(
      UnsafeRawBufferPointer(start: base! + header.dataStart + r.begin, count: r.end - r.begin))
  }

  /// The tensor as Floats: F32 exactly, F16/BF16 exactly (widening), F64 rounded to nearest.
  public func floats(_ name: String) throws -> [Float] {
    let n = try record(name).count
    return try Array(unsafeUninitializedCapacity: n) { out, count in
      try readFloats(name, into: out)
      count = n
    }
  }

  /// Converts the tensor into `out` (as `floats`) without an intermediate array, e.g. straight
  /// into tensor storage. `out.count` must equal the element count.
  public func readFloats(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
    let r = try record(name)
    precondition(
      out.count == r.count, "readFloats(\(name)): buffer of \(out.count) for \(r.count) elements")
    guard r.count > 0, let dst = out.baseAddress else { return }
    let p = base! + header.dataStart + r.begin
    let n = r.count
    switch r.dtype {
    case .f32:
      UnsafeMutableRawPointer(dst).copyMemory(from: p, byteCount: n * 4)
    case .f16:
      for k in 0..<n {
        dst[k] = floatFromF16Bits(
          UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
      }
    case .bf16:
      // Widening is a 16-bit shift; 8 at a time (SIMD) with a scalar tail.
      var k = 0
      while k + 8 <= n {
        let h = p.loadUnaligned(fromByteOffset: 2 * k, as: SIMD8<UInt16>.self)
        let w = SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16
        UnsafeMutableRawPointer(dst + k).storeBytes(of: w, as: SIMD8<UInt32>.self)
        k += 8
      }
      for k in k..<n {
        dst[k] = floatFromBF16Bits(
          UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
      }
    case .f64:
      for k in 0..<n {
        dst[k] = Float(
          Double(
            bitPattern: UInt64(
              littleEndian: p.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))
          ))
      }
    case .i64, .u8, .i32, .bool:
      throw mismatch(name, r.dtype, wanted: "Float")
    }
  }

  /// The tensor as bytes: U8 or BOOL.
  public func uint8s(_ name: String) throws -> [UInt8] {
    let r = try record(name)
    guard r.dtype == .u8 || r.dtype == .bool else { throw mismatch(name, r.dtype, wanted: "UInt8") }
    return Array(UnsafeRawBufferPointer(start: base! + header.dataStart + r.begin, count: r.count))
  }

  /// The tensor as Int64s: I64 exactly, I32/U8/BOOL widened.
  public func int64s(_ name: String) throws -> [Int64] {
    let r = try record(name)
    let p = base! + header.dataStart + r.begin
    switch r.dtype {
    case .i64:
      return Self.convert(p, r.count) { (b: UInt64) in Int64(bitPattern: UInt64(littleEndian: b)) }
    case .i32:
      return Self.convert(p, r.count) { (b: UInt32) in
        Int64(Int32(bitPattern: UInt32(littleEndian: b)))
      }
    case .u8, .bool: return Self.convert(p, r.count) { (b: UInt8) in Int64(b) }
    case .f32, .f16, .bf16, .f64: throw mismatch(name, r.dtype, wanted: "Int64")
    }
  }

  private func record(_ name: String) throws(SafeTensorsError) -> SafeTensorsRecord {
    guard let r = header.records[name] else {
      throw SafeTensorsError(.tensorNotFound, file: path, key: name)
    }
    return r
  }

  private func mismatch(_ name: String, _ dtype: SafeTensorsDType, wanted: String)
    -> SafeTensorsError
  {
    SafeTensorsError(
      .dtypeMismatch, file: path, key: name, detail: "\(dtype.rawValue) read as \(wanted)")
  }

  private static func convert<Raw: FixedWidthInteger, T>(
    _ p: UnsafeRawPointer, _ n: Int, _ f: (Raw) -> T
  ) -> [T] {
    Array(unsafeUninitializedCapacity: n) { out, count in
      let stride = MemoryLayout<Raw>.size
      for k in 0..<n {
        (out.baseAddress! + k).initialize(
          to: f(p.loadUnaligned(fromByteOffset: k * stride, as: Raw.self)))
      }
      count = n
    }
  }

  private static func sortNames(_ keys: Dictionary<String, SafeTensorsRecord>.Keys) -> [String] {
    keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  private static func ioError(_ call: String, _ path: String) -> SafeTensorsError {
    let code = errno
    return SafeTensorsError(
      .io, file: path, detail: "\(call): \(String(cString: strerror(code))) (errno \(code))")
  }
}
