import Foundation
import NN
import Tensors

/// Trains a `UNet2DConditionModel` on greyscale glyphs (Ho et al. 2020, Algorithm 1, with text
/// conditioning): x0 = pixel/127.5 − 1, t ~ U{0…T−1}, ε ~ N(0, I), x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε,
/// loss = w_t·‖f(x_t, t, c) − target‖² (target ε, v or x0), then global-norm clipping, AdamW
/// at lr·schedule(step), and an EMA of the weights. The examples decide x0 and the condition c:
/// captions, replaced by the empty prompt with probability `captionDropout` (classifier-free
/// guidance, Ho & Salimans 2022), or for the super-resolution stage a `UNet2DModel` conditioned
/// on the upsampled low-resolution glyph (`SuperResolutionPairs`).
///
/// Every random draw comes from a named stream in `state`, so a run is a pure function of the
/// seed, the data and the thread count; checkpoints (`TrainingCheckpoint`) store all of it.
public final class Trainer {
  public let model: UNet2DConditionModel
  public let examples: any TrainingExamples
  /// The examples of the low-resolution phase (`TrainingConfig.lowResolution`), or nil.
  public let lowResolutionExamples: CaptionedGlyphs?
  public let schedule: NoiseSchedule
  /// Draws each step's timesteps (`TrainingConfig.timestepDensity`).
  public let timesteps: TimestepSampler
  public let optimizer: AdamW
  public let ema: EMA
  public internal(set) var state: TrainerState
  /// The current epoch's data order.
  var order: [Int] = []

  public var config: TrainingConfig { state.config }
  public var batchesPerEpoch: Int { examples.trainIndices.count / config.batchSize }

  /// A fresh run of the text-to-glyph model from `model`'s current weights.
  public convenience init(
    model: UNet2DConditionModel, config: TrainingConfig, images: TrainingImages,
    captions: any CaptionEmbeddings
  ) throws {
    try self.init(
      model: model, config: config,
      examples: CaptionedGlyphs(images: images, captions: captions))
  }

  /// A fresh run from `model`'s current weights.
  public convenience init(
    model: UNet2DConditionModel, config: TrainingConfig, examples: any TrainingExamples
  ) throws {
    try config.validate()
    let perEpoch = examples.trainIndices.count / config.batchSize
    var state = TrainerState(
      config: config, lrSchedule: config.lrSchedule(batchesPerEpoch: perEpoch))
    // Epoch 0's shuffle consumes the data stream from its start.
    _ = Self.shuffle(examples.trainIndices, stream: &state.data)
    try self.init(
      model: model, state: state, examples: examples,
      ema: EMA(
        model.namedParameters(), decay: config.emaDecay, useWarmup: config.emaWarmup,
        power: config.emaPower))
  }

  /// A run continuing from `state` (resume); `ema` must belong to `model`'s parameter paths.
  init(
    model: UNet2DConditionModel, state: TrainerState, examples: any TrainingExamples, ema: EMA
  ) throws {
    let config = state.config
    guard examples.trainIndices.count >= config.batchSize else {
      throw TrainingError.notEnoughData(
        "\(examples.trainIndices.count) training images, fewer than one batch of \(config.batchSize)"
      )
    }
    try examples.check(against: model.config)
    // Memory at the size the network sees in training (a super-resolution crop, not its
    // sample size).
    var seen = model.config
    seen.sampleSize = examples.sampleSize
    let needed = seen.trainingMemoryEstimate(
      batch: config.batchSize, precision: Precision(rawValue: config.precision) ?? .f32)
    if let available = UNetCheckpoint.availableMemory(), needed > available {
      throw TrainingError.insufficientMemory(
        needed: needed, available: available, batch: config.batchSize)
    }
    self.model = model
    self.examples = examples
    if let low = config.lowResolution {
      guard let glyphs = examples as? CaptionedGlyphs else {
        throw TrainingError.invalidConfig(
          field: "lowResolution", "only the text-to-glyph model trains at a lower resolution")
      }
      // Each of the network's downsamplers halves the side.
      let factor = 1 << (model.config.blockOutChannels.count - 1)
      guard low.size < glyphs.sampleSize, low.size % factor == 0 else {
        throw TrainingError.invalidConfig(
          field: "lowResolution",
          "\(low.size) px must be below the network's \(glyphs.sampleSize) px and a multiple of "
            + "\(factor) (its \(model.config.blockOutChannels.count - 1) downsamplers)")
      }
      lowResolutionExamples = try glyphs.downsampled(to: low.size)
    } else {
      lowResolutionExamples = nil
    }
    self.state = state
    self.ema = ema
    optimizer = AdamW(model.namedParameters(), config: config.optimizer)
    // The table the exported scheduler_config.json describes, built the way sampling builds it.
    do {
      schedule = try config.schedulerConfig().settings().schedule
    } catch {
      throw TrainingError.invalidConfig(field: "noise", "\(error)")
    }
    timesteps = TimestepSampler(
      config.timestepDensity ?? .uniform, alphasCumprod: schedule.alphasCumprod)
    order = Self.epochOrder(examples.trainIndices, stream: state.dataAtEpochStart)
  }

  static func shuffle(_ indices: [Int], stream: inout RandomStream) -> [Int] {
    var a = indices
    stream.shuffle(&a)
    return a
  }

  static func epochOrder(_ indices: [Int], stream: RandomStream) -> [Int] {
    var s = stream
    return shuffle(indices, stream: &s)
  }

  /// The data-set indices of the next batch; starts a new epoch (and shuffle) when needed.
  func nextBatchIndices() -> [Int] {
    if state.batchInEpoch == batchesPerEpoch {
      state.epoch += 1
      state.batchInEpoch = 0
      state.dataAtEpochStart = state.data
      order = Self.shuffle(examples.trainIndices, stream: &state.data)
    }
    let b = config.batchSize
    defer { state.batchInEpoch += 1 }
    return Array(order[state.batchInEpoch * b..<(state.batchInEpoch + 1) * b])
  }

  /// The learning rate of the next optimiser step.
  public var currentLearningRate: Float {
    config.learningRate * state.lrSchedule.multiplier(step: state.step)
  }

  /// One optimiser step. Throws `.nonFinite` (before touching any weight) when the loss or a
  /// gradient is NaN/±∞; the model, optimiser and EMA are then as before the step, but the
  /// random streams have advanced.
  @discardableResult
  public func step() throws -> StepMetrics {
    let start = DispatchTime.now().uptimeNanoseconds
    let indices = nextBatchIndices()
    let b = indices.count
    // Steps 1…lowResolution.steps see the low-resolution glyphs; the streams are the same.
    let source: any TrainingExamples =
      if let low = lowResolutionExamples, let phase = config.lowResolution, state.step < phase.steps
      {
        low
      } else {
        examples
      }
    let batch = source.trainingBatch(indices, config: config, random: &state.dropout)
    let x0 = batch.x0
    let regression = config.superResolution?.objective == .regression
    let t: [Int]
    let xt: Tensor
    let target: Tensor
    if regression {
      // The regression baseline: no noise, x_t channel 0, t = 0, target x0.
      t = Array(repeating: 0, count: b)
      xt = Tensor.zeros(x0.shape)
      target = x0
    } else {
      t = (0..<b).map { _ in timesteps.draw(&state.timestep) }
      let noise = Tensor.randomNormal(x0.shape, stream: &state.noise)
      xt = schedule.addNoise(to: x0, noise: noise, timesteps: t)
      target = schedule.trainingTarget(config.prediction, x0: x0, noise: noise, timesteps: t)
    }
    let precision = Precision(rawValue: config.precision) ?? .f32

    let named = optimizer.named
    let lossValue: Float = ComputePrecision.with(precision) {
      let pred = model(xt, timesteps: t.map(Float.init), conditioning: batch.conditioning)
      let loss = regression ? pred.mseLoss(target) : weightedLoss(pred, target, timesteps: t)
      model.zeroGrad()
      loss.backward()
      return loss.item
    }
    let stepNumber = state.step + 1
    guard lossValue.isFinite else {
      throw TrainingError.nonFinite(step: stepNumber, tensor: "loss", lastCheckpoint: nil)
    }
    let gradNorm = clipGradNorm(named.map(\.1), maxNorm: config.gradClip)
    if !gradNorm.isFinite {
      throw TrainingError.nonFinite(
        step: stepNumber,
        tensor: "gradient of \(Self.firstNonFiniteGradient(named) ?? "(unknown parameter)")",
        lastCheckpoint: nil)
    }
    let lr = currentLearningRate
    optimizer.step(lr: lr)
    ema.update(named)
    model.zeroGrad()
    state.step = stepNumber
    state.imagesSeen += b
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return StepMetrics(
      step: stepNumber, epoch: state.epoch, loss: lossValue, lr: lr, gradNorm: gradNorm,
      imgPerS: Double(b) / max(seconds, 1e-9), valLoss: nil)
  }

  /// The path of the first parameter (in model order) whose gradient holds a NaN or ±∞.
  static func firstNonFiniteGradient(_ named: [(String, Parameter)]) -> String? {
    named.first { _, p in p.grad?.withFloats { g in g.contains { !$0.isFinite } } ?? false }?.0
  }

  /// Mean over the batch of w_t · mean over pixels of (pred − target)².
  func weightedLoss(_ pred: Tensor, _ target: Tensor, timesteps t: [Int]) -> Tensor {
    guard case .minSNR(let gamma) = config.lossWeighting else { return pred.mseLoss(target) }
    let weights = t.map { step -> Float in
      let a = schedule.alphasCumprod[step]
      let snr = Float(a / (1 - a))
      // At a zero-SNR terminal step min(SNR, γ)/SNR is 0/0; diffusers weights it 1.
      if snr == 0 { return config.prediction == .epsilon ? 1 : 0 }
      let clipped = min(snr, gamma)
      switch config.prediction {
      case .epsilon: return clipped / snr
      case .vPrediction: return clipped / (snr + 1)
      case .sample: return clipped
      }
    }
    let perSample = (pred - target).squared().mean(alongAxes: [1, 2, 3])
    return (perSample * Tensor(shape: [t.count], scalars: weights)).mean()
  }

  /// Runs `body` with the EMA weights in the model, then puts the training weights back.
  public func withEMAWeights<R>(_ body: () throws -> R) rethrows -> R {
    let named = model.namedParameters()
    let saved = named.map { $0.1.value.detached() }
    ema.copy(to: named)
    defer { for (i, (_, p)) in named.enumerated() { p.assign(saved[i]) } }
    return try body()
  }
}
