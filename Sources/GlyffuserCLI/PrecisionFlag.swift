import Diffusion
import Foundation
import Tensors

/// `--precision auto|f32|bf16` of every command that computes: resolved once per process
/// (`PrecisionChoice`), set as the process's precision, and told to the user on stderr.
enum PrecisionFlag {
  static let help =
    "Convolution/matmul precision: auto (the faster on this CPU for this work, measured once and cached), f32 or bf16 (default: GLYFFUSER_PRECISION, else auto)."

  @discardableResult
  static func apply(_ request: PrecisionChoice.Request?, for workload: PrecisionChoice.Workload)
    throws -> PrecisionChoice.Resolved
  {
    let resolved = try PrecisionChoice.resolve(
      request, workload: workload,
      measure: {
        FileHandle.standardError.write(
          Data(
            "precision: measuring f32 against bf16 on this machine (once, a few seconds)\n".utf8))
        return try PrecisionCalibration.measure()
      })
    ComputePrecision.setProcessDefault(resolved.precision)
    FileHandle.standardError.write(Data("precision: \(resolved.reason)\n".utf8))
    return resolved
  }
}
