import Tensors

/// A sampler on a `VarianceExplodingGrid` (the Euler family, DPM-Solver++, UniPC): the grid is a
/// value passed in, and the sampler adds its update rule, as in k-diffusion.
public protocol SigmaGridSampler: Sampler {
  var grid: VarianceExplodingGrid { get }
}

extension SigmaGridSampler {
  public var schedule: NoiseSchedule { grid.schedule }
  public var spacing: TimestepSpacing { grid.spacing }
  public var stepCount: Int { grid.steps.timesteps.count }
  public var timesteps: [Float] { grid.steps.timesteps.map(Float.init) }
  /// σ_0…σ_n (σ_n = 0).
  public var sigmas: [Double] { grid.steps.sigmas }

  /// Runs the grid in variance-preserving form (DPM-Solver++, UniPC): at each step the model's
  /// prediction at x_i with (α_i, σ_i) = `grid.variancePreserving(i)` goes to `rule`, which
  /// returns the next x.
  func walkVariancePreserving(
    from xT: Tensor, denoiser: Denoiser, onStep: TrajectoryCallback?,
    _ rule: (_ x: Tensor, _ i: Int, _ d: Denoised) throws -> Tensor
  ) throws -> Tensor {
    try walk(from: xT, onStep: onStep) { x, i in
      let vp = grid.variancePreserving(i)
      let d = try denoiser(x, timestep: grid[timestep: i], alpha: vp.alpha, sigma: vp.sigma)
      return (try rule(x, i, d), d.x0)
    }
  }
}

/// Where an Euler-family update stands: x at grid index i, the model's prediction there, σ_i and
/// σ_{i+1}, and a second model call at σ_{i+1} for rules that make one (Heun).
public struct EulerFamilyPoint {
  public let x: Tensor
  public let denoised: Denoised
  let index: Int
  let grid: VarianceExplodingGrid
  let denoiser: Denoiser

  /// σ_i.
  public var sigma: Double { grid[sigma: index] }
  /// σ_{i+1} (0 after the last step).
  public var nextSigma: Double { grid[sigma: index + 1] }

  /// The model's prediction at `x` on grid point i + 1 (only while σ_{i+1} > 0).
  public func denoiseAtNext(_ x: Tensor) throws -> Denoised {
    try denoiser.varianceExploding(x, timestep: grid[timestep: index + 1], sigma: nextSigma)
  }
}

/// The update rule of an Euler-family sampler: from a point at grid index i, the x at i + 1.
public protocol VarianceExplodingStep: Sendable {
  static func step(_ p: EulerFamilyPoint, noise: inout some NoiseSource) throws -> Tensor
}

/// The Euler family (Euler, Euler ancestral, Heun) as a grid × an update rule: every member walks
/// a grid built the way diffusers' Euler-family schedulers build it, in variance-exploding form
/// (model input scaled by 1/√(σ² + 1)), and differs only in `Step`.
public struct VarianceExplodingGridSampler<Step: VarianceExplodingStep>: SigmaGridSampler {
  public let grid: VarianceExplodingGrid

  public init(grid: VarianceExplodingGrid) { self.grid = grid }

  public var initNoiseSigma: Double { grid.steps.eulerInitNoiseSigma(spacing: spacing) }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    try walk(
      from: xT, onStep: onStep,
      sampleScale: { 1 / (grid[sigma: $0 + 1] * grid[sigma: $0 + 1] + 1).squareRoot() }
    ) { x, i in
      let d = try denoiser.varianceExploding(x, timestep: grid[timestep: i], sigma: grid[sigma: i])
      let point = EulerFamilyPoint(x: x, denoised: d, index: i, grid: grid, denoiser: denoiser)
      return (try Step.step(point, noise: &noise), d.x0)
    }
  }
}
