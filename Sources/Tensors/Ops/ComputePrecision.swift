import Synchronization

/// The precision convolutions and matrix products use: a scope's `with` override, else the
/// process's choice (`setProcessDefault`: a command's `--precision`, or the calibrated choice
/// of `PrecisionChoice` in Diffusion), else `CPUFeatures.defaultPrecision` (bf16 where the CPU
/// has native bf16, else fp32).
public enum ComputePrecision {
  @TaskLocal static var override: Precision?

  /// The process's choice: 0 none, 1 f32, 2 bf16 (an atomic: `current` is read by every op).
  private static let processChoice = Atomic<UInt8>(0)

  public static var current: Precision {
    if let override { return override }
    switch processChoice.load(ordering: .relaxed) {
    case 1: return .f32
    case 2: return .bf16
    default: return CPUFeatures.defaultPrecision
    }
  }

  /// Sets the precision of this process outside any `with` scope; nil returns to
  /// `CPUFeatures.defaultPrecision`.
  public static func setProcessDefault(_ precision: Precision?) {
    let code: UInt8 =
      switch precision {
      case nil: 0
      case .f32: 1
      case .bf16: 2
      }
    processChoice.store(code, ordering: .relaxed)
  }

  /// Runs `body` with convolutions and matrix products in `precision`.
  public static func with<R>(_ precision: Precision, _ body: () throws -> R) rethrows -> R {
    try $override.withValue(precision) { try body() }
  }
}
