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
public struct DDPMSampler: DiscreteTimestepSampler {
  public enum Variance: String, Sendable, Codable { case fixedSmall, fixedLarge }

  public let grid: DiscreteTimestepGrid
  public let variance: Variance

  public init(grid: DiscreteTimestepGrid, variance: Variance = .fixedSmall) {
    self.grid = grid
    self.variance = variance
  }

  public func step(_ x: Tensor, at i: Int, _ d: Denoised, noise: inout some NoiseSource) -> Tensor {
    let (ac, ts) = (schedule.alphasCumprod, grid.timesteps)
    let aT = ac[ts[i]]
    let aPrev = i + 1 < ts.count ? ac[ts[i + 1]] : 1
    let alpha = aT / aPrev
    let beta = 1 - alpha
    let cx0 = aPrev.squareRoot() * beta / (1 - aT)
    let cx = alpha.squareRoot() * (1 - aPrev) / (1 - aT)
    let mean = Elementwise.combine((cx0, d.x0), (cx, x))
    guard ts[i] > 0 else { return mean }
    let v: Double
    switch variance {
    case .fixedSmall: v = max((1 - aPrev) / (1 - aT) * beta, 1e-20)
    case .fixedLarge: v = beta
    }
    return Elementwise.combine((1, mean), (v.squareRoot(), noise.next(shape: x.shape)))
  }
}
