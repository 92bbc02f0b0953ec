import Tensors

/// The grid of DDPM and DDIM: integer timesteps t_0 > … > t_{n−1} of the training schedule,
/// placed as diffusers' `timestep_spacing` and `steps_offset` place them.
public struct DiscreteTimestepGrid: Sendable {
  public let schedule: NoiseSchedule
  /// t_0…t_{n−1}, descending.
  public let timesteps: [Int]

  public init(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing = .leading, stepsOffset: Int = 0
  ) throws(ScheduleError) {
    try TimestepGrid.validate(steps: steps, trainTimesteps: schedule.trainTimesteps)
    let grid = TimestepGrid.standard(
      steps: steps, trainTimesteps: schedule.trainTimesteps, spacing: spacing,
      offset: stepsOffset, integer: true
    ).map { Int($0) }
    try checkGrid(grid, schedule)
    self.schedule = schedule
    self.timesteps = grid
  }
}

/// A sampler that steps along a `DiscreteTimestepGrid` in variance-preserving form, calling the
/// model at x_t with α = √ᾱ_t and σ = √(1 − ᾱ_t); a conforming type supplies only its update rule.
public protocol DiscreteTimestepSampler: Sampler {
  var grid: DiscreteTimestepGrid { get }
  /// The update rule: from x at grid index i, given the model's prediction there, the x at i + 1.
  func step(_ x: Tensor, at i: Int, _ d: Denoised, noise: inout some NoiseSource) -> Tensor
}

extension DiscreteTimestepSampler {
  public var schedule: NoiseSchedule { grid.schedule }
  public var stepCount: Int { grid.timesteps.count }
  public var timesteps: [Float] { grid.timesteps.map(Float.init) }
  public var initNoiseSigma: Double { 1 }

  /// Runs the grid: at each step the model's prediction at (x, t_i) goes to `step`.
  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    try walk(from: xT, onStep: onStep) { x, i in
      let t = grid.timesteps[i]
      let aT = schedule.alphasCumprod[t]
      let d = try denoiser(
        x, timestep: Float(t), alpha: aT.squareRoot(), sigma: (1 - aT).squareRoot())
      return (step(x, at: i, d, noise: &noise), d.x0)
    }
  }
}

/// Rejects grids that leave 0…T−1 (e.g. `leading` with a large `steps_offset`).
func checkGrid(_ grid: [Int], _ schedule: NoiseSchedule) throws(ScheduleError) {
  for t in grid where t < 0 || t >= schedule.trainTimesteps {
    throw .unsupported(
      "timestep \(t) lies outside 0..<\(schedule.trainTimesteps) (check steps_offset)")
  }
}
