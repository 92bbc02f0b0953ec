import Tensors

/// What the network predicts from x_t = α·x0 + σ·ε (variance preserving, α² + σ² = 1).
///
/// Conversions (Salimans & Ho 2022 for v):
/// - ε:  x0 = (x_t − σ·ε)/α
/// - v = α·ε − σ·x0:  x0 = α·x_t − σ·v,  ε = α·v + σ·x_t
/// - x0 ("sample"):  ε = (x_t − α·x0)/σ
public enum PredictionType: String, Sendable, CaseIterable, Codable {
  case epsilon
  case vPrediction = "v_prediction"
  case sample

  /// The predicted clean sample x0 from the model output at (α, σ).
  public func originalSample(from output: Tensor, x: Tensor, alpha: Double, sigma: Double)
    -> Tensor
  {
    switch self {
    case .epsilon: return Elementwise.combine((1 / alpha, x), (-sigma / alpha, output))
    case .vPrediction: return Elementwise.combine((alpha, x), (-sigma, output))
    case .sample: return output
    }
  }

  /// The predicted noise ε from the model output at (α, σ).
  public func epsilon(from output: Tensor, x: Tensor, alpha: Double, sigma: Double) -> Tensor {
    switch self {
    case .epsilon: return output
    case .vPrediction: return Elementwise.combine((alpha, output), (sigma, x))
    case .sample: return Elementwise.combine((1 / sigma, x), (-alpha / sigma, output))
    }
  }

  /// The training target for this prediction type given x0 and the noise ε drawn for x_t.
  public func target(x0: Tensor, noise: Tensor, alpha: Double, sigma: Double) -> Tensor {
    switch self {
    case .epsilon: return noise
    case .vPrediction: return Elementwise.combine((alpha, noise), (-sigma, x0))
    case .sample: return x0
    }
  }
}
