import Foundation

/// The grid of the sigma-based samplers: model timesteps t_0…t_{n−1} and variance-exploding noise
/// levels σ_0…σ_{n−1}, σ_n = 0 (each σ a Float32 value, as diffusers stores them).
struct SigmaGrid: Sendable, Equatable {
  var timesteps: [Double]
  var sigmas: [Double]

  /// The timesteps and σ of diffusers' `EulerDiscreteScheduler` / `EulerAncestralDiscreteScheduler`
  /// / `HeunDiscreteScheduler`: σ interpolated at float timesteps; with Karras spacing,
  /// σ_max/σ_min are the first/last interpolated σ and t = σ→t interpolation (not rounded).
  static func euler(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing, stepsOffset: Int,
    sigmaSpacing: SigmaSpacing
  ) throws(ScheduleError) -> SigmaGrid {
    let tt = schedule.trainTimesteps
    try TimestepGrid.validate(steps: steps, trainTimesteps: tt)
    var t = TimestepGrid.standard(
      steps: steps, trainTimesteps: tt, spacing: spacing, offset: stepsOffset, integer: false)
    try checkGrid(t.map { Int($0.rounded(.up)) }, schedule)
    let table = schedule.varianceExplodingSigmas()
    var sigmas = t.map { TimestepGrid.interpolate(table, at: $0) }
    if sigmaSpacing == .karras {
      sigmas = TimestepGrid.karras(
        sigmaMin: sigmas[sigmas.count - 1], sigmaMax: sigmas[0], steps: steps)
      let logs = TimestepGrid.logSigmas(table)
      t = sigmas.map { Double(Float(TimestepGrid.sigmaToT($0, logSigmas: logs))) }
    }
    return SigmaGrid(timesteps: t, sigmas: sigmas.map { Double(Float($0)) } + [0])
  }

  /// diffusers `DPMSolverMultistepScheduler`: integer timesteps (n + 1 grid points, last
  /// dropped); with Karras spacing σ spans the whole training table and t = round(σ→t)
  /// (truncated for `squaredcos_cap_v2`, as diffusers casts unrounded values to int64).
  /// `UniPCMultistepScheduler` uses the same grid but always rounds Karras t (`unipc: true`).
  static func dpmSolver(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing, stepsOffset: Int,
    sigmaSpacing: SigmaSpacing, unipc: Bool = false
  ) throws(ScheduleError) -> SigmaGrid {
    let tt = schedule.trainTimesteps
    try TimestepGrid.validate(steps: steps, trainTimesteps: tt)
    var t = TimestepGrid.dpmSolver(
      steps: steps, trainTimesteps: tt, spacing: spacing, offset: stepsOffset)
    try checkGrid(t.map { Int($0) }, schedule)
    let table = schedule.varianceExplodingSigmas()
    var sigmas = t.map { TimestepGrid.interpolate(table, at: $0) }
    if sigmaSpacing == .karras {
      sigmas = TimestepGrid.karras(sigmaMin: table[0], sigmaMax: table[tt - 1], steps: steps)
      let logs = TimestepGrid.logSigmas(table)
      let cosine: Bool
      if case .cosine = schedule.betaSchedule { cosine = !unipc } else { cosine = false }
      t = sigmas.map {
        let v = TimestepGrid.sigmaToT($0, logSigmas: logs)
        return cosine ? v.rounded(.towardZero) : TimestepGrid.round(v)
      }
    }
    return SigmaGrid(timesteps: t, sigmas: sigmas.map { Double(Float($0)) } + [0])
  }

  /// diffusers' `init_noise_sigma` of the Euler family: σ_max for `linspace`/`trailing`,
  /// √(σ_max² + 1) for `leading` (evaluated in Float32).
  func eulerInitNoiseSigma(spacing: TimestepSpacing) -> Double {
    let m = Float(sigmas.max() ?? 0)
    return spacing == .leading ? Double((m * m + 1).squareRoot()) : Double(m)
  }
}
