import Tensors

/// Euler's method on the probability-flow ODE dx/dσ = (x − x̂0)/σ in variance-exploding form
/// (Karras et al. 2022, Algorithm 1 with γ = 0): x_{i+1} = x_i + (σ_{i+1} − σ_i)·(x_i − x̂0)/σ_i,
/// model input x_i/√(σ_i² + 1). Matches diffusers `EulerDiscreteScheduler` (linear interpolation,
/// `final_sigmas_type` "zero", no churn: `s_churn` = 0).
public typealias EulerSampler = VarianceExplodingGridSampler<EulerStep>

public enum EulerStep: VarianceExplodingStep {
  public static func step(_ p: EulerFamilyPoint, noise: inout some NoiseSource) throws -> Tensor {
    let k = (p.nextSigma - p.sigma) / p.sigma  // dt/σ
    return Elementwise.combine((1 + k, p.x), (-k, p.denoised.x0))
  }
}
