import Foundation
import Tensors

/// DPM-Solver++ multistep in data-prediction form (Lu et al. 2022, "DPM-Solver++", Algorithm 2,
/// 2M) and its SDE variant (ibid. §5 / eq. for SDE-DPM-Solver++(2M)), with λ = log(α/σ),
/// h = λ_t − λ_s, D0 = x̂0_s, D1 = (x̂0_s − x̂0_{s−1})·h/h_prev:
///
///   ODE, 1st order:  x_t = σ_t/σ_s·x_s − α_t(e^{−h} − 1)·D0
///   ODE, 2nd order:  … − ½α_t(e^{−h} − 1)·D1 (midpoint)  or  + α_t((e^{−h} − 1)/h + 1)·D1 (heun)
///   SDE, 1st order:  x_t = σ_t/σ_s·e^{−h}·x_s + α_t(1 − e^{−2h})·D0 + σ_t√(1 − e^{−2h})·z
///   SDE, 2nd order:  … + ½α_t(1 − e^{−2h})·D1 (midpoint)  or
///                    + α_t((1 − e^{−2h})/(−2h) + 1)·D1 (heun)
///
/// Matches diffusers `DPMSolverMultistepScheduler` with `algorithm_type` "dpmsolver++" /
/// "sde-dpmsolver++", `solver_order` 1 or 2, `final_sigmas_type` "zero" (so the last step is
/// always first order — so `lower_order_final`, which only lowers the last step and, for third
/// order, the second-to-last, changes nothing at orders 1–2; the flag is kept for configs). Third order, "dpmsolver" (noise-prediction) variants, λ clipping and
/// Lu/exponential/beta sigmas are not implemented.
public struct DPMSolverMultistepSampler: SigmaGridSampler {
  public enum Variant: String, Sendable, Codable {
    /// DPM-Solver++ (diffusers "dpmsolver++").
    case ode
    /// SDE-DPM-Solver++ (diffusers "sde-dpmsolver++").
    case sde
  }
  public enum SolverType: String, Sendable, Codable { case midpoint, heun }

  public let grid: VarianceExplodingGrid
  public let variant: Variant
  public let order: MultistepOrder
  public let solverType: SolverType

  public var initNoiseSigma: Double { 1 }

  public init(
    grid: VarianceExplodingGrid, variant: Variant = .ode, order: MultistepOrder = .standard,
    solverType: SolverType = .midpoint
  ) {
    self.grid = grid
    self.variant = variant
    self.order = order
    self.solverType = solverType
  }

  /// r = h_prev/h for the second-order correction, or nil (stay first order) when a repeated
  /// grid point makes it 0 or infinite — at step counts near T, where rounding duplicates
  /// timesteps, diffusers produces NaN there.
  private func ratio(_ i: Int, _ h: Double, _ lambda0: Double) -> Double? {
    let r = (lambda0 - grid.variancePreserving(i - 1).lambda) / h
    return r.isFinite && r > 0 ? r : nil
  }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var previousX0: Tensor? = nil
    let n = stepCount
    return try walkVariancePreserving(from: xT, denoiser: denoiser, onStep: onStep) { x, i, d in
      let s0 = grid.variancePreserving(i)
      let tgt = grid.variancePreserving(i + 1)
      let z = variant == .sde ? noise.next(shape: x.shape) : nil
      let lastStep = i == n - 1  // final σ is 0: always first order
      let h = tgt.lambda - s0.lambda
      var terms: [(Double, Tensor)]
      let firstOrder = order.order == 1 || previousX0 == nil || lastStep
      switch variant {
      case .ode:
        let c = -tgt.alpha * expm1(-h)
        terms = [(tgt.sigma / s0.sigma, x), (c, d.x0)]
        if !firstOrder, let m1 = previousX0, let r = ratio(i, h, s0.lambda) {
          let cd1 = solverType == .midpoint ? 0.5 * c : tgt.alpha * (expm1(-h) / h + 1)
          terms += [(cd1 / r, d.x0), (-cd1 / r, m1)]
        }
      case .sde:
        let e2 = -expm1(-2 * h)  // 1 − e^{−2h}
        let c = tgt.alpha * e2
        terms = [(tgt.sigma / s0.sigma * exp(-h), x), (c, d.x0), (tgt.sigma * e2.squareRoot(), z!)]
        if !firstOrder, let m1 = previousX0, let r = ratio(i, h, s0.lambda) {
          let cd1 = solverType == .midpoint ? 0.5 * c : tgt.alpha * (e2 / (-2 * h) + 1)
          terms += [(cd1 / r, d.x0), (-cd1 / r, m1)]
        }
      }
      previousX0 = d.x0
      return Elementwise.combine(terms)
    }
  }
}
