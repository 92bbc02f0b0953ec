import Tensors

/// Euler ancestral (k-diffusion `sample_euler_ancestral`, after Song et al. 2021's ancestral
/// step): split σ_{i+1} into σ_up = √(σ_{i+1}²(σ_i² − σ_{i+1}²)/σ_i²) and
/// σ_down = √(σ_{i+1}² − σ_up²); x ← x + (σ_down − σ_i)·(x − x̂0)/σ_i + σ_up·z.
/// Matches diffusers `EulerAncestralDiscreteScheduler` (which draws z on every step, the last one
/// included, where σ_up = 0). diffusers has no Karras option for this class.
public struct EulerAncestralSampler: VarianceExplodingGridSampler {
  public let grid: VarianceExplodingGrid

  public init(grid: VarianceExplodingGrid) { self.grid = grid }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var x = xT
    for i in 0..<stepCount {
      let s = grid[sigma: i]
      let to = grid[sigma: i + 1]
      let d = try denoiser.varianceExploding(x, timestep: grid[timestep: i], sigma: s)
      let up = (to * to * (s * s - to * to) / (s * s)).squareRoot()
      let down = max(to * to - up * up, 0).squareRoot()
      let k = (down - s) / s
      let z = noise.next(shape: x.shape)
      x = Elementwise.combine((1 + k, x), (-k, d.x0), (up, z))
      try onStep?(
        TrajectoryStep(
          index: i, timestep: grid[timestep: i], sample: x, predictedOriginal: d.x0,
          sampleScale: 1 / (to * to + 1).squareRoot()))
    }
    return x
  }
}
