import Foundation

/// How the per-step noise variances β_1…β_T are laid out over the training timesteps.
///
/// Values are produced the way diffusers 0.42.1 produces them (β rounded to Float32, as
/// `torch.linspace(..., dtype=torch.float32)` does), so that tables derived from them match the
/// schedulers that trained the models. Pinned by `scripts/reference/schedulers.py`.
public enum BetaSchedule: Sendable, Equatable {
  /// β_t linear from `start` to `end` (Ho et al. 2020, §4: 1e-4 → 0.02 over T = 1000).
  /// diffusers `"linear"`.
  case linear(start: Double, end: Double)
  /// √β_t linear from √start to √end, then squared (Stable Diffusion: 0.00085 → 0.012).
  /// diffusers `"scaled_linear"`.
  case scaledLinear(start: Double, end: Double)
  /// Nichol & Dhariwal 2021, eq. 17: ᾱ(s) = cos²((s + 0.008)/1.008 · π/2) with s = t/T and
  /// β_t = min(1 − ᾱ((t+1)/T)/ᾱ(t/T), maxBeta). diffusers `"squaredcos_cap_v2"`.
  case cosine(maxBeta: Double = 0.999)
  /// Explicit betas (diffusers `trained_betas`); the count must equal the training timesteps.
  case custom([Double])

  /// Ho et al. 2020 (DDPM): linear 1e-4 → 0.02.
  public static let ho2020 = BetaSchedule.linear(start: 1e-4, end: 0.02)
  /// Stable Diffusion: scaled-linear 0.00085 → 0.012.
  public static let stableDiffusion = BetaSchedule.scaledLinear(start: 0.00085, end: 0.012)

  /// β_0…β_{T−1}, each exactly representable as a Float32 (diffusers stores them as float32).
  public func betas(trainTimesteps count: Int) throws(ScheduleError) -> [Double] {
    guard count >= 1 else { throw .invalidTrainTimesteps(count) }
    switch self {
    case .linear(let start, let end):
      try Self.checkRange(start, end)
      return Self.linspace(start, end, count).map { Double(Float($0)) }
    case .scaledLinear(let start, let end):
      try Self.checkRange(start, end)
      return Self.linspace(start.squareRoot(), end.squareRoot(), count).map {
        let r = Float($0)
        return Double(r * r)  // torch: float32 linspace, then float32 square
      }
    case .cosine(let maxBeta):
      guard maxBeta > 0, maxBeta <= 1 else { throw .invalidBetaRange(start: 0, end: maxBeta) }
      func alphaBar(_ s: Double) -> Double {
        let c = cos((s + 0.008) / 1.008 * Double.pi / 2)
        return c * c
      }
      return (0..<count).map { i in
        let t1 = Double(i) / Double(count)
        let t2 = Double(i + 1) / Double(count)
        return Double(Float(min(1 - alphaBar(t2) / alphaBar(t1), maxBeta)))
      }
    case .custom(let values):
      guard values.count == count else {
        throw .customBetaCount(got: values.count, expected: count)
      }
      for (i, b) in values.enumerated() where !(b > 0 && b <= 1) {
        throw .customBetaOutOfRange(index: i, value: b)
      }
      return values.map { Double(Float($0)) }
    }
  }

  private static func checkRange(_ start: Double, _ end: Double) throws(ScheduleError) {
    guard start > 0, end > 0, start <= 1, end <= 1 else {
      throw .invalidBetaRange(start: start, end: end)
    }
  }

  /// numpy/torch `linspace(a, b, n)` in Double: a + i·(b − a)/(n − 1), the last value exactly b;
  /// `[a]` for n = 1.
  static func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
    guard n > 1 else { return n == 1 ? [a] : [] }
    let step = (b - a) / Double(n - 1)
    var out = (0..<n).map { a + Double($0) * step }
    out[n - 1] = b
    return out
  }
}

/// Invalid schedule or sampler settings, each naming the offending value.
public enum ScheduleError: Error, Equatable, CustomStringConvertible {
  case invalidTrainTimesteps(Int)
  case invalidBetaRange(start: Double, end: Double)
  case customBetaCount(got: Int, expected: Int)
  case customBetaOutOfRange(index: Int, value: Double)
  case invalidStepCount(steps: Int, trainTimesteps: Int)
  case invalidEta(Double)
  case unsupported(String)

  public var description: String {
    switch self {
    case .invalidTrainTimesteps(let t):
      return "num_train_timesteps must be at least 1, got \(t)"
    case .invalidBetaRange(let s, let e):
      return "beta range must lie in (0, 1], got beta_start = \(s), beta_end = \(e)"
    case .customBetaCount(let got, let expected):
      return "trained_betas has \(got) values but num_train_timesteps is \(expected)"
    case .customBetaOutOfRange(let i, let v):
      return "trained_betas[\(i)] = \(v) is outside (0, 1]"
    case .invalidStepCount(let steps, let t):
      return
        "number of inference steps must be between 1 and \(t) (num_train_timesteps), got \(steps)"
    case .invalidEta(let eta):
      return "eta must be finite and non-negative, got \(eta)"
    case .unsupported(let what):
      return "unsupported setting: \(what)"
    }
  }
}
