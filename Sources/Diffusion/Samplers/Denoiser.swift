import Tensors

/// The model as every sampler sees it (k-diffusion's `Denoiser`): preconditioning and the
/// prediction-type conversion live here and nowhere else.
///
/// Samplers evaluate it on the variance-preserving sample x_t = α·x0 + σ·ε (α² + σ² = 1), which is
/// also the model input; variance-exploding samplers (Euler, Heun, DPM-Solver in σ form) pass
/// x_VE·α with α = 1/√(1 + σ_VE²), which is diffusers' `scale_model_input`.
public struct Denoiser {
  /// The network: model input x_t and the timestep value it is conditioned on → raw output.
  public typealias Model = (_ input: Tensor, _ timestep: Float) throws -> Tensor

  public var model: Model
  public var prediction: PredictionType
  public var x0Processing: X0Processing

  public init(
    prediction: PredictionType = .epsilon, x0Processing: X0Processing = .none,
    model: @escaping Model
  ) {
    self.model = model
    self.prediction = prediction
    self.x0Processing = x0Processing
  }

  /// One model evaluation at (x_t, t) with signal scale α and noise scale σ.
  /// `x0` is post-processed (clipped/thresholded); `epsilon` comes from the raw output, as in
  /// diffusers' DDIM with `use_clipped_model_output = False`.
  public func callAsFunction(_ x: Tensor, timestep: Float, alpha: Double, sigma: Double) throws
    -> Denoised
  {
    let output = try model(x, timestep)
    precondition(output.shape == x.shape, "model output \(output.shape) for input \(x.shape)")
    let x0 = prediction.originalSample(from: output, x: x, alpha: alpha, sigma: sigma)
    let eps = prediction.epsilon(from: output, x: x, alpha: alpha, sigma: sigma)
    return Denoised(x0: x0Processing.apply(x0), epsilon: eps)
  }

  /// Evaluation at a variance-exploding sample x = x0 + s·ε (s = σ/α).
  func varianceExploding(_ x: Tensor, timestep: Float, sigma s: Double) throws -> Denoised {
    let alpha = 1 / (s * s + 1).squareRoot()
    let input = Elementwise.combine((alpha, x))
    return try self(input, timestep: timestep, alpha: alpha, sigma: s * alpha)
  }
}

/// A denoiser evaluation: predicted clean sample and predicted noise.
public struct Denoised: Sendable {
  public var x0: Tensor
  public var epsilon: Tensor
}

/// Optional post-processing of the predicted x0 for pixel-space models.
public enum X0Processing: Sendable, Equatable {
  case none
  /// Clamp to [−range, range] (diffusers `clip_sample`, `clip_sample_range`).
  case clip(range: Float)
  /// Imagen dynamic thresholding (Saharia et al. 2022, §2.3): per sample, s = the `ratio`
  /// quantile of |x0| clamped to [1, maxValue]; x0 ← clamp(x0, −s, s)/s. diffusers `thresholding`
  /// with `dynamic_thresholding_ratio` and `sample_max_value`.
  case dynamicThreshold(ratio: Double, maxValue: Float)

  public func apply(_ x0: Tensor) -> Tensor {
    switch self {
    case .none: return x0
    case .clip(let r): return Elementwise.clamped(x0, -r, r)
    case .dynamicThreshold(let ratio, let maxValue):
      return Elementwise.perSample(x0) { v in
        let s = min(max(Float(Self.quantile(v.map { abs($0) }, ratio)), 1), maxValue)
        for i in v.indices { v[i] = min(max(v[i], -s), s) / s }
      }
    }
  }

  /// `torch.quantile` with linear interpolation: position q·(n − 1) in the sorted values.
  static func quantile(_ values: [Float], _ q: Double) -> Double {
    let sorted = values.sorted()
    let pos = q * Double(sorted.count - 1)
    let lo = Int(pos.rounded(.down))
    let hi = min(lo + 1, sorted.count - 1)
    let w = pos - Double(lo)
    return Double(sorted[lo]) + w * (Double(sorted[hi]) - Double(sorted[lo]))
  }
}

/// Where stochastic samplers get their Gaussian noise, in a fixed call order (the order diffusers
/// draws it, so injected noise reproduces diffusers' results).
public protocol NoiseSource {
  /// A standard-normal tensor of the given shape.
  mutating func next(shape: [Int]) -> Tensor
}

/// Pre-drawn noise served in order (tests, replays).
public struct QueuedNoise: NoiseSource {
  public var queue: [Tensor]
  public private(set) var used = 0
  public init(_ queue: [Tensor]) { self.queue = queue }
  public mutating func next(shape: [Int]) -> Tensor {
    precondition(used < queue.count, "QueuedNoise exhausted after \(used) draws")
    let t = queue[used]
    precondition(t.shape == shape, "queued noise \(t.shape), requested \(shape)")
    used += 1
    return t
  }
}

/// One completed sampler step, reported to the trajectory callback.
public struct TrajectoryStep: Sendable {
  /// 0-based step index.
  public var index: Int
  /// The timestep the model saw at the start of this step.
  public var timestep: Float
  /// The sampler state after the step (diffusers' `prev_sample`).
  public var sample: Tensor
  /// The denoiser's prediction of x0 from the state at the start of the step.
  public var predictedOriginal: Tensor
  /// Multiply `sample` by this to get the variance-preserving x_t (1 for DDPM/DDIM/DPM-Solver,
  /// 1/√(1 + σ²) for the variance-exploding Euler/Heun states).
  public var sampleScale: Double
}

/// Receives each completed step; throw to abort sampling.
public typealias TrajectoryCallback = (TrajectoryStep) throws -> Void

/// Philox streams (`RandomStream(seed:name:)`, e.g. the `sample` stream) as sampler noise:
/// the same seed gives the same glyph on any machine and thread count.
extension RandomStream: NoiseSource {
  public mutating func next(shape: [Int]) -> Tensor { Tensor.randomNormal(shape, stream: &self) }
}
