import Synchronization

/// Counts the multiply-add FLOPs (2 per multiply-accumulate) of the forward convolutions, matrix
/// products and attention run inside `count { }` — the work that dominates a network, for
/// reporting model cost (element-wise ops are not counted).
public enum FLOPCounter {
  final class Tally: Sendable {
    let total = Mutex(0.0)
  }
  @TaskLocal static var active: Tally?

  /// Runs `body` and returns its result with the FLOPs it performed.
  public static func count<R>(_ body: () throws -> R) rethrows -> (R, Double) {
    let tally = Tally()
    let r = try $active.withValue(tally) { try body() }
    return (r, tally.total.withLock { $0 })
  }

  @inline(__always)
  static func add(_ flops: Double) {
    if let t = active { t.total.withLock { $0 += flops } }
  }
}
