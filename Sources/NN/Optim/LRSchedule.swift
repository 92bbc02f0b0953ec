import Foundation

/// Learning-rate schedules as multipliers of the base rate, matching diffusers'
/// `get_scheduler` (`constant_with_warmup`, `cosine` = `get_cosine_schedule_with_warmup`).
public enum LRSchedule: Sendable, Codable, Equatable {
  case constant(warmup: Int)
  /// Linear warm-up to 1 over `warmup` steps, then half a cosine down to 0 at `total`, and 0
  /// after it. (diffusers' formula would climb back up past `total`, where its trainer never
  /// goes; a time-bounded run here can, when the machine is faster than planned.)
  case cosine(warmup: Int, total: Int)

  /// The multiplier for optimiser step `step` (0-based, as diffusers' LambdaLR).
  public func multiplier(step: Int) -> Float {
    switch self {
    case .constant(let warmup):
      return step < warmup ? Float(step) / Float(max(1, warmup)) : 1
    case .cosine(let warmup, let total):
      if step < warmup { return Float(step) / Float(max(1, warmup)) }
      let progress = min(1, Double(step - warmup) / Double(max(1, total - warmup)))
      return Float(max(0, 0.5 * (1 + cos(Double.pi * progress))))
    }
  }
}
