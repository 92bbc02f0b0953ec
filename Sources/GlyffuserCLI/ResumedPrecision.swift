import Diffusion
import Foundation
import Tensors

/// Exact resume (`train` and `train-sr`): a resumed run computes in the precision it began
/// with, whatever `--precision` asks now (with a warning when the two differ), because bf16 and
/// f32 steps differ in their last bits. Sets the process default and returns the reason the run
/// records in its metrics.
func adoptCheckpointPrecision(of trainer: Trainer, requested: PrecisionChoice.Request?) -> String {
  let trained = trainer.config.precision
  if let requested, requested != .auto, requested.rawValue != trained {
    warn("resuming in the checkpoint's precision \(trained), not \(requested.rawValue)")
  }
  ComputePrecision.setProcessDefault(Precision(rawValue: trained))
  return "\(trained) (the checkpoint's: exact resume)"
}
