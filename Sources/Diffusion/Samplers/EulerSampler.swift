import Tensors

/// Euler's method on the probability-flow ODE dx/dσ = (x − x̂0)/σ in variance-exploding form
/// (Karras et al. 2022, Algorithm 1 with γ = 0): x_{i+1} = x_i + (σ_{i+1} − σ_i)·(x_i − x̂0)/σ_i,
/// model input x_i/√(σ_i² + 1). Matches diffusers `EulerDiscreteScheduler` (linear interpolation,
/// `final_sigmas_type` "zero", no churn: `s_churn` = 0).
public typealias EulerSampler = VarianceExplodingGridSampler<EulerStep>

public enum EulerStep: VarianceExplodingStep {
  public static func step<N: NoiseSource>(
    _ x: Tensor, at i: Int, on grid: VarianceExplodingGrid, _ d: Denoised, denoiser: Denoiser,
    noise: inout N
  ) throws -> Tensor {
    let (s, next) = (grid[sigma: i], grid[sigma: i + 1])
    let k = (next - s) / s  // dt/σ
    return Elementwise.combine((1 + k, x), (-k, d.x0))
  }
}
