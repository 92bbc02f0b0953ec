import Tensors

/// The Euler family (Euler, Euler ancestral, Heun) as a grid × an update rule: every member steps
/// along the same variance-exploding grid, built the way diffusers' Euler-family schedulers build
/// it (`SigmaGrid.euler`), and differs only in what it does at a step (`sample`). A conforming
/// type stores the grid and gets the public initialiser and the grid's read-outs from here.
public protocol VarianceExplodingGridSampler: Sampler {
  var grid: VarianceExplodingGrid { get }
  init(grid: VarianceExplodingGrid)
}

/// The grid of an Euler-family sampler: the training schedule it was built from, the timestep
/// spacing, and t_0…t_{n−1} with σ_0…σ_{n−1}, σ_n = 0.
public struct VarianceExplodingGrid: Sendable {
  public let schedule: NoiseSchedule
  public let spacing: TimestepSpacing
  let steps: SigmaGrid

  init(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing, stepsOffset: Int,
    sigmaSpacing: SigmaSpacing
  ) throws(ScheduleError) {
    self.steps = try SigmaGrid.euler(
      schedule: schedule, steps: steps, spacing: spacing, stepsOffset: stepsOffset,
      sigmaSpacing: sigmaSpacing)
    self.schedule = schedule
    self.spacing = spacing
  }

  /// σ_i.
  subscript(sigma i: Int) -> Double { steps.sigmas[i] }
  /// t_i as the model receives it.
  subscript(timestep i: Int) -> Float { Float(steps.timesteps[i]) }
}

extension VarianceExplodingGridSampler {
  public init(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing = .linspace,
    stepsOffset: Int = 0, sigmaSpacing: SigmaSpacing = .interpolated
  ) throws(ScheduleError) {
    self.init(
      grid: try VarianceExplodingGrid(
        schedule: schedule, steps: steps, spacing: spacing, stepsOffset: stepsOffset,
        sigmaSpacing: sigmaSpacing))
  }

  public var schedule: NoiseSchedule { grid.schedule }
  public var spacing: TimestepSpacing { grid.spacing }
  public var stepCount: Int { grid.steps.timesteps.count }
  public var timesteps: [Float] { grid.steps.timesteps.map(Float.init) }
  /// σ_0…σ_n (σ_n = 0).
  public var sigmas: [Double] { grid.steps.sigmas }
  public var initNoiseSigma: Double { grid.steps.eulerInitNoiseSigma(spacing: spacing) }
}
