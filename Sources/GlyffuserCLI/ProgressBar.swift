import Foundation
import JobControl

/// How the CLI shows a library's `JobProgress` when a bar does not fit: the report's detail
/// (or "stage: done/total"), redrawn in place on stderr; with `endLine`, a finished report ends
/// its line so the next one starts below it.
enum ProgressLine {
  static func handler(endLine: Bool = false) -> ProgressHandler {
    { p in
      let text = p.detail.isEmpty ? "\(p.stage): \(p.done)/\(p.total)" : p.detail
      let finished = endLine && p.total > 0 && p.done >= p.total
      FileHandle.standardError.write(Data("\r\(text)\u{1B}[K\(finished ? "\n" : "")".utf8))
    }
  }
}

/// A one-line progress bar on stderr, redrawn at most ~10 times a second.
final class ProgressBar: @unchecked Sendable {
  private let label: String
  private let lock = NSLock()
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false

  init(label: String) { self.label = label }

  func update(_ done: Int, _ total: Int) {
    lock.withLock {
      let now = Date()
      guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
      lastDraw = now
      let width = 30
      let fraction = total > 0 ? Double(done) / Double(total) : 1
      let filled = Int(fraction * Double(width))
      let bar =
        String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
      let elapsed = now.timeIntervalSince(start)
      let rate = elapsed > 0 ? Double(done) / elapsed : 0
      let line = String(
        format: "\r%@ [%@] %d/%d %3.0f%% %.0f/s", label, bar, done, total, fraction * 100, rate)
      FileHandle.standardError.write(Data(line.utf8))
      drawn = true
    }
  }

  /// The bar as the libraries' progress callback.
  var handler: ProgressHandler { { [self] in update($0.done, $0.total) } }

  func finish() {
    lock.withLock { if drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
  }
}
