import Foundation
import Tensors

/// The discrete variance-preserving forward process q(x_t | x_0) = N(√ᾱ_t · x_0, (1 − ᾱ_t) I),
/// t = 0…T−1 (Ho et al. 2020, eq. 4), with ᾱ_t = Π_{s≤t} (1 − β_s).
///
/// Derived quantities use the usual names: α_t = √ᾱ_t (signal scale), σ_t = √(1 − ᾱ_t) (noise
/// scale), the variance-exploding σ_t/α_t = √((1 − ᾱ_t)/ᾱ_t) used by Euler/Heun/DPM-Solver, and
/// log-SNR λ_t = log(ᾱ_t / (1 − ᾱ_t)).
///
/// Precision follows diffusers 0.42.1 (the numbers trained models expect): β and ᾱ are rounded to
/// Float32 where torch rounds them (ᾱ is a float32 `torch.cumprod`, which accumulates in double).
public struct NoiseSchedule: Sendable, Equatable {
  /// β_t, each a Float32 value.
  public let betas: [Double]
  /// ᾱ_t, each a Float32 value. With zero-terminal-SNR rescaling the last one is exactly 0.
  public let alphasCumprod: [Double]
  /// The beta schedule this was built from.
  public let betaSchedule: BetaSchedule
  /// Whether β was rescaled to zero terminal SNR (Lin et al. 2023, Algorithm 1).
  public let rescaledToZeroTerminalSNR: Bool

  /// Number of training timesteps T.
  public var trainTimesteps: Int { betas.count }

  public init(
    _ betaSchedule: BetaSchedule = .ho2020, trainTimesteps: Int = 1000,
    rescaleToZeroTerminalSNR: Bool = false
  ) throws(ScheduleError) {
    var betas = try betaSchedule.betas(trainTimesteps: trainTimesteps)
    if rescaleToZeroTerminalSNR {
      betas = Self.rescaledToZeroTerminalSNR(betas)
    }
    self.betas = betas
    self.alphasCumprod = Self.cumulativeAlphas(betas)
    self.betaSchedule = betaSchedule
    self.rescaledToZeroTerminalSNR = rescaleToZeroTerminalSNR
  }

  /// ᾱ_t = Π (1 − β_s): factors in Float32, product accumulated in Double, each output rounded to
  /// Float32 (what `torch.cumprod` does on CPU for float32 input).
  static func cumulativeAlphas(_ betas: [Double]) -> [Double] {
    var acc = 1.0
    return betas.map { b in
      acc *= Double(Float(1) - Float(b))
      return Double(Float(acc))
    }
  }

  /// Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps Are Flawed"),
  /// Algorithm 1: shift √ᾱ so the last is 0, scale so the first is unchanged, convert back to β.
  /// Evaluated in Float32 like diffusers' `rescale_zero_terminal_snr`.
  static func rescaledToZeroTerminalSNR(_ betas: [Double]) -> [Double] {
    let alphaBar = cumulativeAlphas(betas).map { Float($0) }
    var root = alphaBar.map { $0.squareRoot() }
    let first = root[0]
    let last = root[root.count - 1]
    let scale = first / (first - last)
    for i in root.indices { root[i] = (root[i] - last) * scale }
    let bar = root.map { $0 * $0 }
    var out = [Double](repeating: 0, count: bar.count)
    out[0] = Double(1 - bar[0])
    for i in 1..<bar.count { out[i] = Double(1 - bar[i] / bar[i - 1]) }
    return out
  }

  /// α_t = √ᾱ_t.
  public func signalScale(at t: Int) -> Double { alphasCumprod[t].squareRoot() }
  /// σ_t = √(1 − ᾱ_t).
  public func noiseScale(at t: Int) -> Double { (1 - alphasCumprod[t]).squareRoot() }
  /// λ_t = log(ᾱ_t / (1 − ᾱ_t)); −∞ at a zero-SNR terminal step.
  public func logSNR(at t: Int) -> Double {
    log(alphasCumprod[t]) - log(1 - alphasCumprod[t])
  }
  /// λ_t for every t.
  public var logSNRs: [Double] { (0..<trainTimesteps).map(logSNR(at:)) }

  /// Variance-exploding noise levels σ_t/α_t = √((1 − ᾱ_t)/ᾱ_t), evaluated in Float32 as diffusers
  /// does (`((1 - alphas_cumprod) / alphas_cumprod) ** 0.5`). `terminalFloor` replaces a zero ᾱ
  /// (zero terminal SNR) by 2⁻²⁴, as diffusers' sigma-based schedulers do.
  public func varianceExplodingSigmas(terminalFloor: Bool = true) -> [Double] {
    alphasCumprod.enumerated().map { i, a in
      var af = Float(a)
      if terminalFloor, rescaledToZeroTerminalSNR, i == alphasCumprod.count - 1 {
        af = 0x1p-24
      }
      return Double(((1 - af) / af).squareRoot())
    }
  }

  // MARK: - Forward process

  /// x_t = √ᾱ_t · x0 + √(1 − ᾱ_t) · ε, with its own t per batch element (`timesteps.count` must
  /// equal the leading dimension of `x0`; `noise` has x0's shape).
  public func addNoise(to x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
    perSample(x0, noise, timesteps) { (signalScale(at: $0), noiseScale(at: $0)) }
  }

  /// The v-prediction target v = √ᾱ_t · ε − √(1 − ᾱ_t) · x0 (Salimans & Ho 2022, §4).
  public func velocity(x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
    perSample(noise, x0, timesteps) { (signalScale(at: $0), -noiseScale(at: $0)) }
  }

  /// The regression target for `prediction` at per-sample timesteps: ε, v (`velocity`) or x0.
  public func trainingTarget(
    _ prediction: PredictionType, x0: Tensor, noise: Tensor, timesteps: [Int]
  ) -> Tensor {
    switch prediction {
    case .epsilon: return noise
    case .vPrediction: return velocity(x0: x0, noise: noise, timesteps: timesteps)
    case .sample: return x0
    }
  }

  /// out[b] = c1(t_b) · a[b] + c2(t_b) · b[b].
  private func perSample(
    _ a: Tensor, _ b: Tensor, _ timesteps: [Int], _ coefficients: (Int) -> (Double, Double)
  ) -> Tensor {
    precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
    let batch = a.shape.first ?? 1
    precondition(
      timesteps.count == batch, "\(timesteps.count) timesteps for a batch of \(batch)")
    for t in timesteps {
      precondition(t >= 0 && t < trainTimesteps, "timestep \(t) outside 0..<\(trainTimesteps)")
    }
    let coeffs = timesteps.map(coefficients)
    let sa = a.scalars
    let sb = b.scalars
    let per = batch == 0 ? 0 : sa.count / batch
    let out = [Float](unsafeUninitializedCapacity: sa.count) { buf, n in
      sa.withUnsafeBufferPointer { pa in
        sb.withUnsafeBufferPointer { pb in
          for s in 0..<batch {
            let (c1, c2) = (Float(coeffs[s].0), Float(coeffs[s].1))
            for i in s * per..<(s + 1) * per { buf[i] = c1 * pa[i] + c2 * pb[i] }
          }
        }
      }
      n = sa.count
    }
    return Tensor(shape: a.shape, scalars: out)
  }
}
