import Foundation

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

  func finish() {
    lock.withLock { if drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
  }
}
