import Dispatch
import Foundation
import Imaging
import JobControl

#if canImport(Glibc)
  import Glibc
#endif

/// State shared by the render workers: disjoint slots of one image buffer, per-item outcomes,
/// the first error, and a progress counter. Slots are written by exactly one worker each.
private final class RenderShared: @unchecked Sendable {
  let images: UnsafeMutableBufferPointer<UInt8>
  let outcomes: UnsafeMutableBufferPointer<RenderOutcome>
  private let lock = NSLock()
  private var done = 0
  private var firstError: Error?

  /// `images` must stay valid while workers run.
  init(count: Int, images: UnsafeMutableBufferPointer<UInt8>) {
    self.images = images
    outcomes = .allocate(capacity: count)
    outcomes.initialize(repeating: .missing)
  }

  deinit {
    outcomes.deallocate()
  }

  func fail(_ error: Error) {
    lock.withLock { if firstError == nil { firstError = error } }
  }

  var error: Error? { lock.withLock { firstError } }

  /// Adds `n` finished items; returns the new total.
  func advance(_ n: Int) -> Int {
    lock.withLock {
      done += n
      return done
    }
  }
}

/// Renders characters on `threads` threads (one FreeType face each), encodes each rendered
/// glyph as PNG and writes it as `<HEX>.png` into `directory`.
struct GlyphRenderPool {
  let font: FontFace
  let size: Int
  let margin: Int
  let centering: GlyphCentering
  let threads: Int
  let pngLevel: Int32
  var shouldStop: StopRequest?
  /// Testing hook: throw after this many glyphs, as an interrupted build would stop.
  var failAfter: Int?

  /// Returns the rendered images packed in input order (N'×size×size) and each code point's
  /// outcome. Throws the first error any worker met.
  func run(
    codepoints: [UInt32], directory: URL,
    progress: ProgressHandler?
  ) throws -> (images: [UInt8], outcomes: [RenderOutcome]) {
    let n = codepoints.count
    let pixels = size * size
    // Rendered in place, then compacted in place: one N×S×S buffer in all.
    var packed = [UInt8](repeating: 255, count: n * pixels)
    let outcomes = try packed.withUnsafeMutableBufferPointer { buffer in
      try renderAll(codepoints, into: buffer, directory: directory, progress: progress)
    }
    var k = 0
    packed.withUnsafeMutableBufferPointer { buffer in
      for i in 0..<n where outcomes[i] == .rendered {
        if k != i {
          let base = buffer.baseAddress!
          (base + k * pixels).update(from: base + i * pixels, count: pixels)
        }
        k += 1
      }
    }
    packed.removeLast((n - k) * pixels)
    return (packed, outcomes)
  }

  private func renderAll(
    _ codepoints: [UInt32], into buffer: UnsafeMutableBufferPointer<UInt8>, directory: URL,
    progress: ProgressHandler?
  ) throws -> [RenderOutcome] {
    let n = codepoints.count
    let pixels = size * size
    let shared = RenderShared(count: n, images: buffer)
    let workers = max(1, min(threads, n))
    let config = self
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      do {
        let renderer = try GlyphRenderer(
          font: config.font, size: config.size, margin: config.margin, centering: config.centering)
        var sinceReport = 0
        var i = worker
        while i < n {
          if shared.error != nil { return }
          let slot = UnsafeMutableBufferPointer(
            rebasing: shared.images[(i * pixels)..<((i + 1) * pixels)])
          let outcome = renderer.render(codepoints[i], into: slot)
          shared.outcomes[i] = outcome
          if outcome == .rendered {
            let image = RasterImage(
              width: config.size, height: config.size, format: .grey, pixels: Array(slot))
            let png = try PNGEncoder.encode(image, filter: .adaptive, level: config.pngLevel)
            let name = pngFileName(codepoints[i])
            try writeFile(png, to: directory.appendingPathComponent(name).path)
          }
          sinceReport += 1
          if sinceReport == 32 || i + workers >= n {
            let total = shared.advance(sinceReport)
            sinceReport = 0
            if config.shouldStop?() == true { throw GlyphDataError.cancelled }
            if let failAfter = config.failAfter, total >= failAfter {
              throw GlyphDataError.writeFailed(path: directory.path, reason: "interrupted (test)")
            }
            progress?(JobProgress(stage: "render", done: total, total: n))
          }
          i += workers
        }
      } catch {
        shared.fail(error)
      }
    }
    if let error = shared.error { throw error }
    return Array(shared.outcomes)
  }
}

/// `91D1.png` (upper-case hex, at least 4 digits).
public func pngFileName(_ codepoint: UInt32) -> String {
  String(codepointLabel(codepoint).dropFirst(2)) + ".png"
}

/// Writes `bytes` to a new file at `path` with POSIX calls (no Foundation buffering), so
/// errors such as ENOSPC surface with their errno text.
func writeFile(_ bytes: [UInt8], to path: String) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard fd >= 0 else {
    throw GlyphDataError.writeFailed(path: path, reason: String(cString: strerror(errno)))
  }
  var failure: Int32 = 0
  bytes.withUnsafeBytes { raw in
    var offset = 0
    while offset < raw.count {
      let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        failure = errno
        return
      }
      offset += written
    }
  }
  if close(fd) != 0 && failure == 0 { failure = errno }
  if failure != 0 {
    throw GlyphDataError.writeFailed(path: path, reason: String(cString: strerror(failure)))
  }
}
