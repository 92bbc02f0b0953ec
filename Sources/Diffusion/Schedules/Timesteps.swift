import Foundation

/// How inference timesteps are placed on the training grid 0…T−1 (Lin et al. 2023, Table 2).
/// diffusers `timestep_spacing`.
public enum TimestepSpacing: String, Sendable, CaseIterable, Codable {
  /// t = i·⌊T/n⌋ + offset (never reaches T−1).
  case leading
  /// t = round(T − i·T/n) − 1 (always starts at T−1).
  case trailing
  /// t = round(linspace(0, T−1, n)) (starts at T−1, ends at 0).
  case linspace
}

/// How the noise levels of the sigma-based samplers are chosen.
public enum SigmaSpacing: String, Sendable, CaseIterable, Codable {
  /// σ interpolated at the spaced timesteps (diffusers default).
  case interpolated
  /// Karras et al. 2022, eq. 5: σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, ρ = 7
  /// (diffusers `use_karras_sigmas`).
  case karras
}

/// Timestep and sigma grids exactly as diffusers 0.42.1 builds them (numpy semantics: banker's
/// rounding, `arange` lengths, float32 casts). Pinned by `scripts/reference/schedulers.py`.
enum TimestepGrid {
  /// numpy `round` (half to even).
  static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

  /// numpy `arange(start, 0, -step)` for a positive float step.
  static func arangeDown(from start: Double, step: Double) -> [Double] {
    let count = Int(ceil((0 - start) / -step))
    return (0..<max(count, 0)).map { start + Double($0) * -step }
  }

  /// DDPMScheduler / DDIMScheduler (`integer`) and Euler/Heun (`integer == false`) timesteps.
  /// Euler-family `linspace` keeps the unrounded float32 values.
  static func standard(
    steps n: Int, trainTimesteps tt: Int, spacing: TimestepSpacing, offset: Int, integer: Bool
  ) -> [Double] {
    switch spacing {
    case .linspace:
      let v = BetaSchedule.linspace(0, Double(tt - 1), n).reversed()
      return integer ? v.map(round) : v.map { Double(Float($0)) }
    case .leading:
      let ratio = tt / n
      return (0..<n).reversed().map { Double($0 * ratio + offset) }
    case .trailing:
      return arangeDown(from: Double(tt), step: Double(tt) / Double(n)).map { round($0) - 1 }
    }
  }

  /// DPMSolverMultistepScheduler timesteps: n + 1 points, the last dropped.
  static func dpmSolver(steps n: Int, trainTimesteps tt: Int, spacing: TimestepSpacing, offset: Int)
    -> [Double]
  {
    switch spacing {
    case .linspace:
      return Array(BetaSchedule.linspace(0, Double(tt - 1), n + 1).map(round).reversed().dropLast())
    case .leading:
      let ratio = tt / (n + 1)
      return (1...n).reversed().map { Double($0 * ratio + offset) }
    case .trailing:
      return standard(steps: n, trainTimesteps: tt, spacing: .trailing, offset: 0, integer: true)
    }
  }

  /// numpy `interp(t, arange(count), table)`.
  static func interpolate(_ table: [Double], at t: Double) -> Double {
    if t <= 0 { return table[0] }
    if t >= Double(table.count - 1) { return table[table.count - 1] }
    let lo = Int(t.rounded(.down))
    let w = t - Double(lo)
    return w == 0 ? table[lo] : table[lo] + w * (table[lo + 1] - table[lo])
  }

  /// Karras et al. 2022, eq. 5, ρ = 7, from σ_max down to σ_min in n points.
  static func karras(sigmaMin: Double, sigmaMax: Double, steps n: Int, rho: Double = 7)
    -> [Double]
  {
    let lo = pow(sigmaMin, 1 / rho)
    let hi = pow(sigmaMax, 1 / rho)
    return BetaSchedule.linspace(0, 1, n).map { pow(hi + $0 * (lo - hi), rho) }
  }

  /// diffusers `_sigma_to_t`: piecewise-linear interpolation of t in log σ over the training
  /// table (`logSigmas` ascending).
  static func sigmaToT(_ sigma: Double, logSigmas: [Double]) -> Double {
    let logSigma = log(max(sigma, 1e-10))
    var low = 0
    for (i, l) in logSigmas.enumerated() where logSigma - l >= 0 { low = i }
    low = min(low, logSigmas.count - 2)
    let high = low + 1
    var w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high])
    w = min(max(w, 0), 1)
    return (1 - w) * Double(low) + w * Double(high)
  }

  /// Float32 log of the training σ table (numpy `log` of a float32 array stays float32).
  static func logSigmas(_ sigmas: [Double]) -> [Double] {
    sigmas.map { Double(Float(log($0))) }
  }

  /// Checks 1 ≤ steps ≤ T.
  static func validate(steps: Int, trainTimesteps: Int) throws(ScheduleError) {
    guard steps >= 1, steps <= trainTimesteps else {
      throw .invalidStepCount(steps: steps, trainTimesteps: trainTimesteps)
    }
  }
}
