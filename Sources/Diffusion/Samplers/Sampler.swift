import Tensors

/// A reverse-process sampler: a fixed grid of noise levels plus an update rule, run over a
/// `Denoiser` (k-diffusion style). Each conforming type names the paper/algorithm and the
/// diffusers 0.42.1 scheduler class whose results it reproduces (10-step full-loop fixtures in
/// `Tests/DiffusionTests/Fixtures/schedulers.json`, from `scripts/reference/schedulers.py`).
public protocol Sampler: Sendable {
  /// Number of steps n (1 ≤ n ≤ T).
  var stepCount: Int { get }
  /// The timestep of each step, as passed to the model (diffusers `scheduler.timesteps`, with
  /// Heun's repeated second-stage entries left out).
  var timesteps: [Float] { get }
  /// Standard deviation of the starting noise: x_T = initNoiseSigma · z, z ~ N(0, I).
  var initNoiseSigma: Double { get }

  /// Runs the reverse process from x_T (already scaled by `initNoiseSigma`), drawing any fresh
  /// noise from `noise` in diffusers' order, reporting each step to `onStep`.
  func sample<N: NoiseSource>(
    from xT: Tensor, denoiser: Denoiser, noise: inout N, onStep: TrajectoryCallback?
  ) throws -> Tensor
}

extension Sampler {
  /// Scales unit Gaussian noise `z` by `initNoiseSigma` and samples.
  public func sample<N: NoiseSource>(
    fromUnitNoise z: Tensor, denoiser: Denoiser, noise: inout N,
    onStep: TrajectoryCallback? = nil
  ) throws -> Tensor {
    let xT = initNoiseSigma == 1 ? z : Elementwise.combine((initNoiseSigma, z))
    return try sample(from: xT, denoiser: denoiser, noise: &noise, onStep: onStep)
  }
}

/// The samplers, for configuration and the JSON edge.
public enum SamplerKind: String, Sendable, CaseIterable, Codable {
  case ddpm
  case ddim
  case dpmSolverMultistep
  case euler
  case eulerAncestral
  case heun
  case uniPC

  /// The diffusers `_class_name` this kind reproduces.
  public var diffusersClassName: String {
    switch self {
    case .ddpm: return "DDPMScheduler"
    case .ddim: return "DDIMScheduler"
    case .dpmSolverMultistep: return "DPMSolverMultistepScheduler"
    case .euler: return "EulerDiscreteScheduler"
    case .eulerAncestral: return "EulerAncestralDiscreteScheduler"
    case .heun: return "HeunDiscreteScheduler"
    case .uniPC: return "UniPCMultistepScheduler"
    }
  }
}
