import Foundation

/// Set by SIGINT/SIGTERM: the one interrupt mechanism of the CLI. Long commands poll it (the
/// data-set build removes its temporary directory, training writes a checkpoint, judge training
/// and eval stop) instead of dying half-way. The signals are served on a queue of their own, so
/// they arrive while the main thread computes.
final class InterruptFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var set = false
  private var sources: [DispatchSourceSignal] = []
  /// A serial (overcommitting) queue: the global pool may be busy with the render workers.
  private let queue = DispatchQueue(label: "glyffuser.signals")

  init() {
    for sig in [SIGINT, SIGTERM] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
      source.setEventHandler { [weak self] in self?.lock.withLock { self?.set = true } }
      source.resume()
      sources.append(source)
    }
  }

  var isSet: Bool { lock.withLock { set } }
}
