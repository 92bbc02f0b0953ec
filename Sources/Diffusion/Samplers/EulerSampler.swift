import Tensors

/// Euler's method on the probability-flow ODE dx/dσ = (x − x̂0)/σ in variance-exploding form
/// (Karras et al. 2022, Algorithm 1 with γ = 0): x_{i+1} = x_i + (σ_{i+1} − σ_i)·(x_i − x̂0)/σ_i,
/// model input x_i/√(σ_i² + 1). Matches diffusers `EulerDiscreteScheduler` (linear interpolation,
/// `final_sigmas_type` "zero", no churn: `s_churn` = 0).
public struct EulerSampler: VarianceExplodingGridSampler {
  public let grid: VarianceExplodingGrid

  public init(grid: VarianceExplodingGrid) { self.grid = grid }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var x = xT
    for i in 0..<stepCount {
      let s = grid[sigma: i]
      let next = grid[sigma: i + 1]
      let d = try denoiser.varianceExploding(x, timestep: grid[timestep: i], sigma: s)
      let k = (next - s) / s  // dt/σ
      x = Elementwise.combine((1 + k, x), (-k, d.x0))
      try onStep?(
        TrajectoryStep(
          index: i, timestep: grid[timestep: i], sample: x, predictedOriginal: d.x0,
          sampleScale: 1 / (next * next + 1).squareRoot()))
    }
    return x
  }
}
