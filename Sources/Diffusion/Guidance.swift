import Tensors

/// Classifier-free guidance (Ho & Salimans 2022, eq. 6) as a combinator over the model call:
/// out = u + s·(c − u) for the conditional output c and the unconditional output u, evaluated in
/// one batched call (conditional half first, then unconditional). s = 1 is plain conditional
/// sampling and makes a single, un-doubled call.
///
/// Optional guidance rescale (Lin et al. 2023, §3.4, eq. 15–16; diffusers `rescale_noise_cfg`):
/// out ← φ·out·std(c)/std(out) + (1 − φ)·out, std per sample over all non-batch elements
/// (unbiased, as `torch.std`). Applied to the raw model output, as diffusers pipelines do.
public struct ClassifierFreeGuidance: Sendable, Equatable {
  /// Which conditioning a batched model call carries.
  public enum Batch: Sendable, Equatable {
    /// B rows, all conditional.
    case conditional
    /// 2B rows: rows 0..<B conditional, rows B..<2B unconditional (same x in both halves).
    case conditionalAndUnconditional
  }

  /// A model that knows how to condition each row of a batch laid out as `Batch` says.
  public typealias BatchedModel = (_ input: Tensor, _ timestep: Float, _ batch: Batch) throws ->
    Tensor

  /// Guidance scale s ≥ 0 (1 = off, 0 = unconditional).
  public let scale: Float
  /// Rescale factor φ ∈ [0, 1] (0 = off; Lin et al. suggest 0.7).
  public let rescale: Float

  public init(scale: Float, rescale: Float = 0) throws(GuidanceError) {
    guard scale.isFinite, scale >= 0 else { throw .invalidScale(scale) }
    guard rescale.isFinite, rescale >= 0, rescale <= 1 else { throw .invalidRescale(rescale) }
    self.scale = scale
    self.rescale = rescale
  }

  /// Whether the model must be called on the doubled batch.
  public var needsUnconditional: Bool { scale != 1 }

  /// The guided model, for a `Denoiser`.
  public func guided(_ model: @escaping BatchedModel) -> Denoiser.Model {
    let guidance = self
    return { x, t in
      guard guidance.needsUnconditional else { return try model(x, t, .conditional) }
      let b = x.shape[0]
      let out = try model(Tensor.concatenate([x, x], axis: 0), t, .conditionalAndUnconditional)
      precondition(out.shape[0] == 2 * b, "guided model returned \(out.shape) for batch \(2 * b)")
      return guidance.combine(
        conditional: out.slice(axis: 0, range: 0..<b),
        unconditional: out.slice(axis: 0, range: b..<(2 * b)))
    }
  }

  /// u + s·(c − u), then the optional rescale.
  public func combine(conditional c: Tensor, unconditional u: Tensor) -> Tensor {
    let s = Double(scale)
    let cfg = Elementwise.combine((s, c), (1 - s, u))
    guard rescale > 0 else { return cfg }
    let phi = Double(rescale)
    let cond = c.scalars
    return Elementwise.perSampleIndexed(cfg) { b, v in
      let per = v.count
      let ratio =
        Self.std(cond[(b * per)..<((b + 1) * per)]) / Self.std(v[...])
      let k = Float(phi * ratio + (1 - phi))
      for i in v.indices { v[i] *= k }
    }
  }

  /// Unbiased standard deviation.
  static func std<C: Collection>(_ v: C) -> Double where C.Element == Float {
    let n = Double(v.count)
    guard n > 1 else { return 0 }
    let mean = v.reduce(0.0) { $0 + Double($1) } / n
    let ss = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
    return (ss / (n - 1)).squareRoot()
  }
}

/// Invalid guidance settings.
public enum GuidanceError: Error, Equatable, CustomStringConvertible {
  case invalidScale(Float)
  case invalidRescale(Float)

  public var description: String {
    switch self {
    case .invalidScale(let s):
      return "guidance scale must be finite and ≥ 0 (1 = no guidance), got \(s)"
    case .invalidRescale(let r):
      return "guidance rescale must lie in [0, 1], got \(r)"
    }
  }
}
