// Crash-safe file replacement.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
  #if canImport(Glibc)
    Glibc.write(fd, p, n)
  #else
    Darwin.write(fd, p, n)
  #endif
}

/// A failed step of `AtomicFile.write`, with the system error.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file being written.
  public let path: String
  /// The system call that failed (`open`, `write`, `fsync`, `rename`, …), naming the
  /// temporary file when it was the one concerned.
  public let operation: String
  public let errno: Int32

  public var description: String {
    "cannot write \(path): \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
  }
}

/// Writes a file so that readers see either the old contents or the new, never a mix, even
/// across a crash or power loss: write a temporary file in the same directory, fsync it,
/// rename it over the target (atomic within one file system), then fsync the directory so the
/// rename itself is durable. The temporary file is removed on failure.
public enum AtomicFile {
  public static func write(_ bytes: [UInt8], to url: URL) throws {
    try write(to: url) { emit in try bytes.withUnsafeBytes(emit) }
  }

  public static func write(_ data: Data, to url: URL) throws {
    try write(to: url) { emit in try data.withUnsafeBytes(emit) }
  }

  /// Streams the contents: `body` calls `emit` with consecutive pieces of the file. An error
  /// thrown by `body` aborts the write and leaves the old file in place.
  public static func write(
    to url: URL, _ body: (_ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
  ) throws {
    let path = url.path
    let dir = url.deletingLastPathComponent().path
    let tmp =
      "\(dir)/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    func fail(_ op: String, _ target: String) -> AtomicFileError {
      let step = target == tmp ? "\(op) (temporary file \(tmp))" : op
      return AtomicFileError(path: path, operation: step, errno: errno)
    }

    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw fail("open", tmp) }
    var ok = false
    defer {
      if !ok { unlink(tmp) }
    }
    do {
      defer { close(fd) }
      try body { raw in
        var done = 0
        while done < raw.count {
          let n = systemWrite(fd, raw.baseAddress! + done, raw.count - done)
          if n < 0 {
            if errno == EINTR { continue }
            throw fail("write", tmp)
          }
          done += n
        }
      }
      guard fsync(fd) == 0 else { throw fail("fsync", tmp) }
    }
    guard rename(tmp, path) == 0 else { throw fail("rename", path) }
    ok = true
    let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dfd >= 0 else { throw fail("open", dir) }
    defer { close(dfd) }
    guard fsync(dfd) == 0 else { throw fail("fsync", dir) }
  }
}
