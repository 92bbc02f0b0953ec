import Testing

@testable import Tensors

/// Runs a test (or every test of a suite) with convolutions and matrix products in `precision`,
/// whatever the CPU's default. Tests that compare against f32 reference kernels or finite
/// differences need f32: on a CPU with native bf16 (avx512_bf16, AMX) the default is bf16.
struct ComputePrecisionTrait: TestTrait, SuiteTrait, TestScoping {
  let precision: Precision
  var isRecursive: Bool { true }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    try await ComputePrecision.$override.withValue(precision) { try await function() }
  }
}

extension Trait where Self == ComputePrecisionTrait {
  /// `@Suite(.precision(.f32))`: f32 convolutions and matrix products inside.
  static func precision(_ precision: Precision) -> Self {
    ComputePrecisionTrait(precision: precision)
  }
}
