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
public struct DDIMSampler: DiscreteTimestepSampler {
  public let grid: DiscreteTimestepGrid
  public let eta: Double
  public let finalAlphaIsOne: Bool

  public init(grid: DiscreteTimestepGrid, eta: Double = 0, finalAlphaIsOne: Bool = true)
    throws(ScheduleError)
  {
    guard eta.isFinite, eta >= 0 else { throw .invalidEta(eta) }
    self.grid = grid
    self.eta = eta
    self.finalAlphaIsOne = finalAlphaIsOne
  }

  public func step(_ x: Tensor, at i: Int, _ d: Denoised, noise: inout some NoiseSource) -> Tensor {
    let ac = schedule.alphasCumprod
    let t = grid.timesteps[i]
    let (aT, prev) = (ac[t], t - schedule.trainTimesteps / stepCount)
    let aPrev = prev >= 0 ? ac[prev] : (finalAlphaIsOne ? 1 : ac[0])
    let variance = (1 - aPrev) / (1 - aT) * (1 - aT / aPrev)
    let std = eta * variance.squareRoot()
    let dir = max(1 - aPrev - std * std, 0).squareRoot()
    let next = Elementwise.combine((aPrev.squareRoot(), d.x0), (dir, d.epsilon))
    guard eta > 0 else { return next }
    return Elementwise.combine((1, next), (std, noise.next(shape: x.shape)))
  }
}
