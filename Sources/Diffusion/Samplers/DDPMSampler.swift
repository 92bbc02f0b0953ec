import Tensors

/// Ancestral sampling of Ho et al. 2020 (Algorithm 2) on a possibly strided timestep grid,
/// using the posterior q(x_{t'} | x_t, x0) between consecutive grid points:
///
///   ᾱ' = ᾱ_{t'} (1 if t' < 0),  α = ᾱ_t/ᾱ',  β = 1 − α
///   μ = √ᾱ'·β/(1 − ᾱ_t) · x̂0 + √α·(1 − ᾱ')/(1 − ᾱ_t) · x_t
///   x_{t'} = μ + √v · z  (only when t > 0),  v = max((1 − ᾱ')/(1 − ᾱ_t)·β, 1e−20) (fixed small)
///   or v = β (fixed large).
///
/// Matches diffusers `DDPMScheduler` (`variance_type` "fixed_small" / "fixed_large"; learned
/// variances are not supported). Clipping/thresholding of x̂0 belongs to the `Denoiser`.
public struct DDPMSampler: Sampler {
  public enum Variance: String, Sendable, Codable { case fixedSmall, fixedLarge }

  public let schedule: NoiseSchedule
  public let variance: Variance
  /// Integer timesteps, descending.
  public let gridTimesteps: [Int]

  public var stepCount: Int { gridTimesteps.count }
  public var timesteps: [Float] { gridTimesteps.map(Float.init) }
  public var initNoiseSigma: Double { 1 }

  public init(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing = .leading,
    stepsOffset: Int = 0, variance: Variance = .fixedSmall
  ) throws(ScheduleError) {
    try TimestepGrid.validate(steps: steps, trainTimesteps: schedule.trainTimesteps)
    let grid = TimestepGrid.standard(
      steps: steps, trainTimesteps: schedule.trainTimesteps, spacing: spacing,
      offset: stepsOffset, integer: true
    ).map { Int($0) }
    try checkGrid(grid, schedule)
    self.schedule = schedule
    self.variance = variance
    self.gridTimesteps = grid
  }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var x = xT
    let ac = schedule.alphasCumprod
    for (i, t) in gridTimesteps.enumerated() {
      let prev = i + 1 < gridTimesteps.count ? gridTimesteps[i + 1] : -1
      let aT = ac[t]
      let aPrev = prev >= 0 ? ac[prev] : 1
      let d = try denoiser(
        x, timestep: Float(t), alpha: aT.squareRoot(), sigma: (1 - aT).squareRoot())
      let alpha = aT / aPrev
      let beta = 1 - alpha
      let cx0 = aPrev.squareRoot() * beta / (1 - aT)
      let cx = alpha.squareRoot() * (1 - aPrev) / (1 - aT)
      var next = Elementwise.combine((cx0, d.x0), (cx, x))
      if t > 0 {
        let v: Double
        switch variance {
        case .fixedSmall: v = max((1 - aPrev) / (1 - aT) * beta, 1e-20)
        case .fixedLarge: v = beta
        }
        let z = noise.next(shape: x.shape)
        next = Elementwise.combine((1, next), (v.squareRoot(), z))
      }
      x = next
      try onStep?(
        TrajectoryStep(
          index: i, timestep: Float(t), sample: x, predictedOriginal: d.x0, sampleScale: 1))
    }
    return x
  }
}

/// Rejects grids that leave 0…T−1 (e.g. `leading` with a large `steps_offset`).
func checkGrid(_ grid: [Int], _ schedule: NoiseSchedule) throws(ScheduleError) {
  for t in grid where t < 0 || t >= schedule.trainTimesteps {
    throw .unsupported(
      "timestep \(t) lies outside 0..<\(schedule.trainTimesteps) (check steps_offset)")
  }
}
