/// The precision convolutions and matrix products use inside a scope: `CPUFeatures
/// .defaultPrecision` (bf16 where the CPU has native bf16, else fp32) unless overridden.
public enum ComputePrecision {
  @TaskLocal static var override: Precision?

  public static var current: Precision { override ?? CPUFeatures.defaultPrecision }

  /// Runs `body` with convolutions and matrix products in `precision`.
  public static func with<R>(_ precision: Precision, _ body: () throws -> R) rethrows -> R {
    try $override.withValue(precision) { try body() }
  }
}
