import Foundation

/// The grid of a σ-based sampler: the training schedule it was built from, the timestep spacing,
/// and t_0…t_{n−1} with σ_0…σ_{n−1}, σ_n = 0, placed as the diffusers scheduler named by
/// `placement` places them.
public struct VarianceExplodingGrid: Sendable {
  /// Whose grid: diffusers' schedulers differ in how they round timesteps and span Karras σ.
  public enum Placement: Sendable {
    /// `EulerDiscreteScheduler`, `EulerAncestralDiscreteScheduler`, `HeunDiscreteScheduler`.
    case euler
    /// `DPMSolverMultistepScheduler`.
    case dpmSolver
    /// `UniPCMultistepScheduler` (the DPM-Solver grid, Karras t always rounded).
    case uniPC
  }

  public let schedule: NoiseSchedule
  public let spacing: TimestepSpacing
  let steps: SigmaGrid

  public init(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing = .linspace,
    stepsOffset: Int = 0, sigmaSpacing: SigmaSpacing = .interpolated, placement: Placement
  ) throws(ScheduleError) {
    switch placement {
    case .euler:
      self.steps = try SigmaGrid.euler(
        schedule: schedule, steps: steps, spacing: spacing, stepsOffset: stepsOffset,
        sigmaSpacing: sigmaSpacing)
    case .dpmSolver, .uniPC:
      self.steps = try SigmaGrid.dpmSolver(
        schedule: schedule, steps: steps, spacing: spacing, stepsOffset: stepsOffset,
        sigmaSpacing: sigmaSpacing, unipc: placement == .uniPC)
    }
    self.schedule = schedule
    self.spacing = spacing
  }

  /// σ_i.
  subscript(sigma i: Int) -> Double { steps.sigmas[i] }
  /// t_i as the model receives it.
  subscript(timestep i: Int) -> Float { Float(steps.timesteps[i]) }

  /// Grid point i in variance-preserving terms: α = 1/√(σ² + 1), σ_vp = σ·α and the half
  /// log-SNR λ = log(α/σ_vp) of DPM-Solver (Lu et al. 2022) and UniPC.
  func variancePreserving(_ i: Int) -> (alpha: Double, sigma: Double, lambda: Double) {
    let s = steps.sigmas[i]
    let a = 1 / (s * s + 1).squareRoot()
    let sg = s * a
    return (a, sg, log(a) - log(sg))
  }
}
