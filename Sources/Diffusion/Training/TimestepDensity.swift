import Foundation
import Tensors

/// Which training timesteps a step draws.
///
/// Uniform t (Ho et al. 2020) is the default. On the linear β schedule at 32 px it spends about
/// a third of its draws where x_t is nearly pure noise (log-SNR below −5 from t ≈ 700), where
/// the network can learn little beyond the data's mean. A density over the log-SNR λ = ln(ᾱ/(1 − ᾱ))
/// spends them where the image is decided instead: "importance sampling" of the noise level
/// (Karras et al. 2022, "Elucidating the Design Space…", EDM §5: ln σ ~ N(P_mean, P_std²);
/// Esser et al. 2024, "Scaling Rectified Flow Transformers", §3.1: logit-normal t; Hang et al.
/// 2024, "Improved Noise Schedule for Diffusion Training"). The loss weighting is independent of
/// it (`TrainingConfig.lossWeighting`): drawing t more often weights it more.
public enum TimestepDensity: Sendable, Codable, Equatable {
  /// t uniform on 0..<T.
  case uniform
  /// λ ~ N(mean, std²), put onto the schedule's discrete timesteps: t gets the probability of
  /// λ falling between the mid-points to its neighbours' λ. SD3's logit-normal(0, 1) t of
  /// rectified flow is λ ~ N(0, 2²); EDM's ln σ ~ N(−1.2, 1.2²) is λ = −2 ln σ ~ N(2.4, 2.4²).
  case logSNRNormal(mean: Double, std: Double)
}

/// Draws training timesteps from a `TimestepDensity` over a schedule's ᾱ table.
public struct TimestepSampler: Sendable {
  public let density: TimestepDensity
  /// Cumulative probabilities P(t′ ≤ t), the last exactly 1; empty for `.uniform`.
  public let cumulative: [Double]
  public let count: Int

  public init(_ density: TimestepDensity, alphasCumprod: [Double]) {
    self.density = density
    count = alphasCumprod.count
    guard case .logSNRNormal(let mean, let std) = density else {
      cumulative = []
      return
    }
    precondition(std > 0, "TimestepSampler: std must be positive (\(std))")
    // λ_t decreases with t; ±∞ at ᾱ = 1 or 0 (a zero-terminal-SNR last step) is handled by
    // the normal CDF's limits.
    let lambda = alphasCumprod.map { a in log(a / (1 - a)) }
    let cdf = { (x: Double) -> Double in
      if x == .infinity { return 1 }
      if x == -.infinity { return 0 }
      return 0.5 * erfc(-(x - mean) / (std * 2.0.squareRoot()))
    }
    var probabilities = [Double]()
    probabilities.reserveCapacity(lambda.count)
    for t in lambda.indices {
      let upper = t == 0 ? Double.infinity : (lambda[t - 1] + lambda[t]) / 2
      let lower = t == lambda.count - 1 ? -Double.infinity : (lambda[t] + lambda[t + 1]) / 2
      probabilities.append(max(0, cdf(upper) - cdf(lower)))
    }
    // Running sums divided by their last: monotone, and exactly 1 at the end (normalising the
    // probabilities first can leave the last sum a rounding error above 1).
    var running = 0.0
    let sums = probabilities.map { p -> Double in
      running += p
      return running
    }
    cumulative = sums.map { $0 / running }
  }

  /// The probability of drawing t.
  public func probability(of t: Int) -> Double {
    guard !cumulative.isEmpty else { return 1 / Double(count) }
    return cumulative[t] - (t == 0 ? 0 : cumulative[t - 1])
  }

  /// One timestep. `.uniform` draws exactly as before this type existed (one `nextInt(below:)`),
  /// so seeded runs and their checkpoints keep their streams.
  public func draw(_ stream: inout RandomStream) -> Int {
    guard !cumulative.isEmpty else { return stream.nextInt(below: count) }
    // Inverse CDF: the first t with P(t′ ≤ t) > u.
    let u = Double(stream.nextUniform())
    var lo = 0
    var hi = cumulative.count - 1
    while lo < hi {
      let mid = (lo + hi) / 2
      if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }
}
