import Foundation
import Tensors

/// UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework", Algorithms 1–2)
/// in data-prediction form, orders 1–2, with the B(h) variants bh1 (B = −h) and bh2
/// (B = e^{−h} − 1). With λ = log(α/σ), h = λ_t − λ_s, φ₁ = e^{−h} − 1:
///
///   predictor (UniP-p):  x_t = σ_t/σ_s·x_s − α_t φ₁·m_s − α_t B·Σ ρᵖ_k D_k,  D_k = (m_{s−k} − m_s)/r_k,
///                        r_k = (λ_{s−k} − λ_s)/h, ρᵖ = ½ at order 2 (as diffusers)
///   corrector (UniC-p):  once m_t = x̂0(x_t) is known, x_t is recomputed from x_s with
///                        −α_t B·(Σ ρᶜ_k D_k + ρᶜ_p (m_t − m_s)), ρᶜ = R⁻¹b (ρᶜ = ½ at order 1);
///                        m_t itself is not re-evaluated (diffusers does not either).
///
/// Matches diffusers `UniPCMultistepScheduler` (`predict_x0` true, `solver_order` ≤ 2,
/// `lower_order_final`, empty `disable_corrector`, no `solver_p`, `final_sigmas_type` "zero").
public struct UniPCSampler: SigmaGridSampler {
  public enum Variant: String, Sendable, Codable { case bh1, bh2 }

  public let grid: VarianceExplodingGrid
  public let variant: Variant
  public let order: MultistepOrder

  public var initNoiseSigma: Double { 1 }

  public init(
    grid: VarianceExplodingGrid, variant: Variant = .bh2, order: MultistepOrder = .standard
  ) {
    self.grid = grid
    self.variant = variant
    self.order = order
  }

  /// Coefficients shared by predictor and corrector between grid indices s → t.
  private func coefficients(from s: Int, to t: Int) -> (
    ratioS: Double, alphaT: Double, phi1: Double, bh: Double, h: Double, lambdaS: Double
  ) {
    let a = grid.variancePreserving(s)
    let b = grid.variancePreserving(t)
    let h = b.lambda - a.lambda
    let hh = -h
    let phi1 = expm1(hh)
    let bh = variant == .bh1 ? hh : phi1
    return (b.sigma / a.sigma, b.alpha, phi1, bh, h, a.lambda)
  }

  private func lambda(_ i: Int) -> Double { grid.variancePreserving(i).lambda }

  public func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor {
    var outputs: [Tensor] = []  // x̂0 history, newest last
    var lastSample: Tensor? = nil
    var lastOrder = 1
    let n = stepCount
    return try walkVariancePreserving(from: xT, denoiser: denoiser, onStep: onStep) { x, i, d in
      var x = x
      if i > 0, let xs = lastSample {
        x = corrector(xs, mT: d.x0, history: outputs, step: i, order: lastOrder) ?? x
      }
      outputs.append(d.x0)
      if outputs.count > order.order { outputs.removeFirst() }
      let stepOrder = order.at(step: i, of: n)
      lastOrder = stepOrder
      lastSample = x
      return predictor(x, history: outputs, step: i, order: stepOrder)
    }
  }

  /// UniP from grid index i to i + 1; `history.last` is x̂0 at i.
  private func predictor(_ x: Tensor, history: [Tensor], step i: Int, order: Int) -> Tensor {
    let c = coefficients(from: i, to: i + 1)
    let m0 = history[history.count - 1]
    var terms: [(Double, Tensor)] = [(c.ratioS, x), (-c.alphaT * c.phi1, m0)]
    if order == 2 {
      let m1 = history[history.count - 2]
      let rk = (lambda(i - 1) - c.lambdaS) / c.h
      let k = -c.alphaT * c.bh * 0.5 / rk  // −α_t B ρ (m1 − m0)/r
      if k.isFinite { terms += [(k, m1), (-k, m0)] }  // else a repeated grid point: order 1
    }
    return Elementwise.combine(terms)
  }

  /// UniC at grid index i (from i − 1), given m_t = x̂0 at i; `history.last` is x̂0 at i − 1.
  /// nil (keep the predicted sample) when repeated grid points (n near T) make the
  /// coefficients 0/0 — diffusers yields NaN there.
  private func corrector(_ xs: Tensor, mT: Tensor, history: [Tensor], step i: Int, order: Int)
    -> Tensor?
  {
    let c = coefficients(from: i - 1, to: i)
    let m0 = history[history.count - 1]
    var terms: [(Double, Tensor)] = [(c.ratioS, xs), (-c.alphaT * c.phi1, m0)]
    let hh = -c.h
    if order == 1 {
      let k = -c.alphaT * c.bh * 0.5
      terms += [(k, mT), (-k, m0)]
    } else {
      // R = [[1, 1], [r, 1]], b_k = k!·φ_{k+1}(hh)/B with φ_2 = φ₁/hh − 1, φ_3 = φ_2/hh − ½.
      let r = (lambda(i - 2) - c.lambdaS) / c.h
      let phi2 = c.phi1 / hh - 1
      let phi3 = phi2 / hh - 0.5
      let b0 = phi2 / c.bh
      let b1 = phi3 * 2 / c.bh
      let rho0 = (b0 - b1) / (1 - r)
      let rho1 = b0 - rho0
      let m1 = history[history.count - 2]
      let k0 = -c.alphaT * c.bh * rho0 / r
      let k1 = -c.alphaT * c.bh * rho1
      terms += [(k0, m1), (-k0, m0), (k1, mT), (-k1, m0)]
    }
    guard terms.allSatisfy({ $0.0.isFinite }) else { return nil }
    return Elementwise.combine(terms)
  }
}
