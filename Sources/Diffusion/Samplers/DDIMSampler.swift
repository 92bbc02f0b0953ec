import Tensors

/// Denoising diffusion implicit models (Song, Meng & Ermon 2021, eq. 12), step t → t' = t − ⌊T/n⌋:
///
///   σ_η = η·√((1 − ᾱ')/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ'))
///   x_{t'} = √ᾱ'·x̂0 + √(1 − ᾱ' − σ_η²)·ε̂ + σ_η·z
///
/// with ᾱ' = 1 (or ᾱ_0 when `finalAlphaIsOne` is false, diffusers `set_alpha_to_one`) below 0.
/// Matches diffusers `DDIMScheduler`, including its choice t' = t − ⌊T/n⌋ for every spacing
/// (with `trailing`/`linspace` that need not be the next grid point). ε̂ is the unclipped model
/// noise (`use_clipped_model_output = False`); the radicand is clamped at 0 (diffusers yields NaN).
public struct DDIMSampler: Sampler {
  public let schedule: NoiseSchedule
  public let eta: Double
  public let finalAlphaIsOne: Bool
  public let gridTimesteps: [Int]

  public var stepCount: Int { gridTimesteps.count }
  public var timesteps: [Float] { gridTimesteps.map(Float.init) }
  public var initNoiseSigma: Double { 1 }

  public init(
    schedule: NoiseSchedule, steps: Int, spacing: TimestepSpacing = .leading,
    stepsOffset: Int = 0, eta: Double = 0, finalAlphaIsOne: Bool = true
  ) throws(ScheduleError) {
    try TimestepGrid.validate(steps: steps, trainTimesteps: schedule.trainTimesteps)
    guard eta.isFinite, eta >= 0 else { throw .invalidEta(eta) }
    let grid = TimestepGrid.standard(
      steps: steps, trainTimesteps: schedule.trainTimesteps, spacing: spacing,
      offset: stepsOffset, integer: true
    ).map { Int($0) }
    try checkGrid(grid, schedule)
    self.schedule = schedule
    self.eta = eta
    self.finalAlphaIsOne = finalAlphaIsOne
    self.gridTimesteps = grid
  }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var x = xT
    let ac = schedule.alphasCumprod
    let stride = schedule.trainTimesteps / stepCount
    let finalAlpha = finalAlphaIsOne ? 1 : ac[0]
    for (i, t) in gridTimesteps.enumerated() {
      let prev = t - stride
      let aT = ac[t]
      let aPrev = prev >= 0 ? ac[prev] : finalAlpha
      let d = try denoiser(
        x, timestep: Float(t), alpha: aT.squareRoot(), sigma: (1 - aT).squareRoot())
      let variance = (1 - aPrev) / (1 - aT) * (1 - aT / aPrev)
      let std = eta * variance.squareRoot()
      let dir = max(1 - aPrev - std * std, 0).squareRoot()
      var next = Elementwise.combine((aPrev.squareRoot(), d.x0), (dir, d.epsilon))
      if eta > 0 {
        let z = noise.next(shape: x.shape)
        next = Elementwise.combine((1, next), (std, z))
      }
      x = next
      try onStep?(
        TrajectoryStep(
          index: i, timestep: Float(t), sample: x, predictedOriginal: d.x0, sampleScale: 1))
    }
    return x
  }
}
