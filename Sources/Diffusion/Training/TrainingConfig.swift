import Foundation
import NN

/// Everything that decides what a training run computes, with the defaults of the issue:
/// AdamW (β 0.9/0.999, weight decay 1e-2), linear warm-up then cosine decay, gradient clipping at
/// 1.0, EMA with warm-up, 10 % caption dropout, ε-prediction MSE. Stored in every checkpoint's
/// trainer state, so `--resume` continues with the run's own settings.
public struct TrainingConfig: Sendable, Codable, Equatable {
  /// How the per-sample MSE is weighted over timesteps.
  public enum LossWeighting: Sendable, Codable, Equatable {
    /// Plain MSE.
    case uniform
    /// Min-SNR-γ (Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting
    /// Strategy", eq. 9): w_t = min(SNR_t, γ)/SNR_t for ε, min(SNR_t, γ)/(SNR_t + 1) for v,
    /// min(SNR_t, γ) for x0; SNR_t = ᾱ_t/(1 − ᾱ_t).
    case minSNR(gamma: Float)
  }

  /// When to stop.
  public enum Duration: Sendable, Codable, Equatable {
    case steps(Int)
    case epochs(Int)
    /// Wall-clock minutes of this process (a resumed run gets the same budget again).
    case minutes(Double)
  }

  public var seed: UInt64 = 0
  public var batchSize = 32
  public var duration: Duration = .steps(1000)
  public var learningRate: Float = 1e-4
  public var warmupSteps = 500
  /// Length of the cosine decay; nil: the run's length in steps (for `.minutes`: planned from
  /// the measured step rate so the decay ends at the deadline, `TrainingRun`).
  public var scheduleSteps: Int?
  public var optimizer = AdamW.Config(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2)
  public var gradClip: Float = 1.0
  public var emaDecay: Float = 0.9999
  public var emaWarmup = true
  /// The inverse-gamma EMA warm-up's power (`EMA.power`); nil: diffusers' (1 + t)/(10 + t).
  public var emaPower: Float?
  /// The forward process; nil: linear β 1e-4 → 0.02 (Ho et al. 2020), no shift, no rescaling.
  public var noise: TrainingNoise?
  public var captionDropout: Float = 0.1
  public var prediction: PredictionType = .epsilon
  public var lossWeighting: LossWeighting = .uniform
  /// Which timesteps a step draws; nil: uniform (and checkpoints from before this field).
  public var timestepDensity: TimestepDensity?
  /// Progressive resolution: the first steps at a lower image size; nil: every step at the
  /// network's size.
  public var lowResolution: LowResolutionPhase?
  /// The super-resolution stage's crop and augmentation (`glyffuser train-sr`); nil for the
  /// text-to-glyph model.
  public var superResolution: SuperResolutionSettings?
  /// Training timesteps T (t uniform on 0..<T) of the linear β schedule (Ho et al. 2020).
  public var trainTimesteps = 1000
  /// "f32" or "bf16" (convolutions and matrix products).
  public var precision = "f32"

  public var checkpointEvery = 500
  public var keepCheckpoints = 3
  /// 0 = never.
  public var validationEvery = 250
  /// At most this many held-out images enter the validation loss.
  public var validationImages = 256
  /// 0 = never.
  public var sampleEvery = 1000
  public var samplePrompts = [
    "gold", "bird", "water", "tree", "fire", "a mental illness", "to speak", "grass",
  ]
  /// DDIM steps and guidance scale of the preview grids.
  public var sampleSteps = 25
  public var sampleGuidance: Float = 4
  /// Minimum seconds between two progress lines on stderr.
  public var progressInterval = 1.0

  public init() {}

  /// The number of optimiser steps the run should make, given batches per epoch.
  public func totalSteps(batchesPerEpoch: Int) -> Int? {
    switch duration {
    case .steps(let n): return n
    case .epochs(let e): return e * batchesPerEpoch
    case .minutes: return nil
    }
  }

  /// `noise`, or the default process.
  public var noiseOrDefault: TrainingNoise { noise ?? TrainingNoise() }

  /// The scheduler config of the process this run trains on (exported with the model).
  public func schedulerConfig() throws -> SchedulerConfig {
    try noiseOrDefault.schedulerConfig(trainTimesteps: trainTimesteps, prediction: prediction)
  }

  /// Whether the cosine is planned from the measured step rate (`TrainingRun`): a `.minutes`
  /// run without an explicit `scheduleSteps`.
  public var plansScheduleFromRate: Bool {
    if case .minutes = duration, scheduleSteps == nil { return true }
    return false
  }

  /// The learning-rate schedule (multiplier of `learningRate`).
  public func lrSchedule(batchesPerEpoch: Int) -> LRSchedule {
    .cosine(
      warmup: warmupSteps,
      total: scheduleSteps ?? totalSteps(batchesPerEpoch: batchesPerEpoch) ?? 100_000)
  }

  /// Checks ranges; the error names the field.
  public func validate() throws(TrainingError) {
    func fail(_ field: String, _ why: String) -> TrainingError { .invalidConfig(field: field, why) }
    guard batchSize > 0 else { throw fail("batchSize", "must be > 0, got \(batchSize)") }
    guard learningRate.isFinite, learningRate > 0 else {
      throw fail("learningRate", "must be finite and > 0, got \(learningRate)")
    }
    guard warmupSteps >= 0 else { throw fail("warmupSteps", "must be ≥ 0") }
    guard (0..<1).contains(captionDropout) else {
      throw fail("captionDropout", "must be in [0, 1), got \(captionDropout)")
    }
    guard (0...1).contains(emaDecay) else { throw fail("emaDecay", "must be in [0, 1]") }
    guard gradClip > 0 else { throw fail("gradClip", "must be > 0") }
    guard trainTimesteps > 1 else { throw fail("trainTimesteps", "must be > 1") }
    guard precision == "f32" || precision == "bf16" else {
      throw fail("precision", "must be f32 or bf16, got \(precision)")
    }
    guard checkpointEvery > 0 else { throw fail("checkpointEvery", "must be > 0") }
    guard keepCheckpoints > 0 else { throw fail("keepCheckpoints", "must be > 0") }
    guard validationEvery >= 0, sampleEvery >= 0 else {
      throw fail("validationEvery/sampleEvery", "must be ≥ 0")
    }
    switch duration {
    case .steps(let n) where n <= 0, .epochs(let n) where n <= 0:
      throw fail("duration", "must be > 0")
    case .minutes(let m) where !(m > 0):
      throw fail("duration", "minutes must be > 0")
    default: break
    }
    if case .minSNR(let g) = lossWeighting, !(g > 0) {
      throw fail("lossWeighting", "γ must be > 0, got \(g)")
    }
    if case .logSNRNormal(let mean, let std)? = timestepDensity,
      !(mean.isFinite && std.isFinite && std > 0)
    {
      throw fail("timestepDensity", "needs a finite mean and a positive std, got \(mean), \(std)")
    }
    if let low = lowResolution, !(low.size >= 4 && low.steps >= 0) {
      throw fail(
        "lowResolution", "needs a size ≥ 4 px and steps ≥ 0, got \(low.size), \(low.steps)")
    }
    guard optimizer.beta2 > 0, optimizer.beta2 < 1 else {
      throw fail("optimizer.beta2", "must be in (0, 1), got \(optimizer.beta2)")
    }
    if let p = emaPower, !(p > 0 && p <= 1) {
      throw fail("emaPower", "must be in (0, 1], got \(p)")
    }
    try noiseOrDefault.validate(prediction: prediction)
  }
}

/// Why training could not start, continue or finish.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
  case invalidConfig(field: String, String)
  /// The data set has no training images, or fewer than one batch.
  case notEnoughData(String)
  /// The loss, or a gradient, is NaN/±∞. `tensor` is "loss" or "grad of <parameter path>".
  case nonFinite(step: Int, tensor: String, lastCheckpoint: String?)
  case badCheckpoint(path: String, String)
  case noCheckpoint(directory: String)
  /// A run file (metrics.jsonl, …) that could not be created.
  case cannotCreate(path: String)
  case cannotRead(path: String, reason: String)
  /// The step's estimated peak memory (`UNetConfig.trainingMemoryEstimate`) exceeds what the
  /// machine has available.
  case insufficientMemory(needed: Int, available: Int, batch: Int)

  public var description: String {
    switch self {
    case .invalidConfig(let field, let why): "training config: \(field) \(why)"
    case .notEnoughData(let why): "training data: \(why)"
    case .nonFinite(let step, let tensor, let last):
      "non-finite \(tensor) at step \(step); training stopped, last good checkpoint: "
        + (last ?? "none")
    case .badCheckpoint(let path, let why): "checkpoint \(path): \(why)"
    case .noCheckpoint(let dir): "no checkpoint to resume from in \(dir)"
    case .insufficientMemory(let needed, let available, let batch):
      "training at batch \(batch) needs about \(Self.gibibytes(needed)) of memory (estimated from "
        + "the model's config), and \(Self.gibibytes(available)) is available; lower --batch or "
        + "choose a smaller preset"
    case .cannotCreate(let path): "cannot create \(path) (is its directory writable?)"
    case .cannotRead(let path, let reason): "\(path): \(reason)"
    }
  }
}

extension TrainingError {
  static func gibibytes(_ bytes: Int) -> String {
    bytes == Int.max
      ? "more than any machine has" : String(format: "%.1f GiB", Double(bytes) / 1_073_741_824)
  }
}
