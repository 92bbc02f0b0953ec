import Tensors

/// Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1,
/// γ = 0): d = (x − x̂0(x, σ_i))/σ_i, x̃ = x + (σ_{i+1} − σ_i)·d,
/// d' = (x̃ − x̂0(x̃, σ_{i+1}))/σ_{i+1}, x ← x + (σ_{i+1} − σ_i)·(d + d')/2; the last step
/// (σ_{i+1} = 0) is a plain Euler step. 2n − 1 model calls for n steps.
/// Matches diffusers `HeunDiscreteScheduler` (its `clip_sample` is the Denoiser's `.clip`).
public struct HeunSampler: VarianceExplodingGridSampler {
  public let grid: VarianceExplodingGrid

  public init(grid: VarianceExplodingGrid) { self.grid = grid }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var x = xT
    for i in 0..<stepCount {
      let s = grid[sigma: i]
      let next = grid[sigma: i + 1]
      let t = grid[timestep: i]
      let d = try denoiser.varianceExploding(x, timestep: t, sigma: s)
      let k = (next - s) / s
      if next == 0 {
        x = Elementwise.combine((1 + k, x), (-k, d.x0))
      } else {
        let euler = Elementwise.combine((1 + k, x), (-k, d.x0))
        let d2 = try denoiser.varianceExploding(
          euler, timestep: grid[timestep: i + 1], sigma: next)
        let dt = next - s
        // x + dt/2·((x − x0)/σ + (x̃ − x0')/σ')
        x = Elementwise.combine(
          (1 + dt / (2 * s), x), (-dt / (2 * s), d.x0), (dt / (2 * next), euler),
          (-dt / (2 * next), d2.x0))
      }
      try onStep?(
        TrajectoryStep(
          index: i, timestep: t, sample: x, predictedOriginal: d.x0,
          sampleScale: 1 / (next * next + 1).squareRoot()))
    }
    return x
  }
}
