import Foundation
import GlyphData
import JobControl
import NN
import Tensors

/// Settings of one judge training run. Everything that changes the weights is here, so the
/// card's command reproduces them (for one thread count; `steps` fixes the length exactly).
public struct JudgeTrainingOptions: Sendable {
  public var config = JudgeConfig()
  public var seed: UInt64 = 0
  public var batchSize = 128
  public var learningRate: Float = 2e-3
  public var weightDecay: Float = 1e-2
  public var warmupSteps = 200
  /// Total optimiser steps; nil: `epochs` over the labelled training glyphs, or what fits in
  /// `minutes` when that is set (then the step count is planned from the first 10 steps' speed
  /// and printed, so the run can be repeated exactly with `steps`).
  public var steps: Int?
  public var epochs = 8
  public var minutes: Double?
  /// Weight of the stroke-count regression (MSE on strokes / strokeScale) beside the
  /// radical cross-entropy.
  public var strokeWeight: Float = 0.1
  public var augmentation = JudgeAugmentation()

  public init() {}
}

/// Trains a `GlyphJudge` on the training split of a labelled data set: AdamW with linear warm-up
/// and cosine decay, augmented batches (`JudgeAugmentation`), loss = cross-entropy(radical) +
/// strokeWeight · MSE(strokes). Batches and augmentations come from named `RandomStream`s of
/// the seed, so a run repeats bit for bit on the same thread count.
public final class JudgeTrainer {
  public let options: JudgeTrainingOptions
  public let judge: GlyphJudge
  let images: [UInt8]
  let radicals: [Int]
  let strokes: [Int]
  let trainIndices: [Int]
  public private(set) var totalSteps: Int

  public init(dataset: GlyphDataset, options: JudgeTrainingOptions) throws {
    try options.config.validate(file: "judge options")
    guard options.batchSize >= 2, options.batchSize <= 4096 else {
      throw EvaluationError.invalidOption("--batch must be 2–4096, got \(options.batchSize)")
    }
    guard options.learningRate > 0, options.learningRate.isFinite else {
      throw EvaluationError.invalidOption("--lr must be positive")
    }
    if let steps = options.steps, !(1...10_000_000).contains(steps) {
      throw EvaluationError.invalidOption("--steps must be 1–10,000,000, got \(steps)")
    }
    if let minutes = options.minutes, !(minutes > 0 && minutes <= 10_000) {
      throw EvaluationError.invalidOption("--minutes must be positive")
    }
    guard (1...10_000).contains(options.epochs) else {
      throw EvaluationError.invalidOption("--epochs must be 1–10,000")
    }
    let labels = try dataset.requireLabels()
    let s = options.config.imageSize
    guard GlyphDownsample.divides(from: dataset.size, to: s) else {
      throw EvaluationError.resolutionMismatch(
        model: "the judge", modelSize: s, dataset: dataset.directory.path,
        datasetSize: dataset.size)
    }
    self.options = options
    images = GlyphDownsample.box(dataset.images, count: dataset.count, from: dataset.size, to: s)
    radicals = labels.radicals
    strokes = labels.strokes
    trainIndices = dataset.indices(in: .train).filter { labels.radicals[$0] > 0 }
    guard trainIndices.count >= options.batchSize else {
      throw EvaluationError.tooFewGlyphs(
        split: "train", needed: options.batchSize, found: trainIndices.count)
    }
    var init_ = RandomStream(seed: options.seed, name: "judge-init")
    judge = GlyphJudge(options.config, stream: &init_)
    let perEpoch = trainIndices.count / options.batchSize
    totalSteps = options.steps ?? perEpoch * options.epochs
  }

  /// Trains and returns the judge (also in `judge`). `shouldStop` is polled between steps.
  public func train(
    progress: ProgressHandler = { _ in }, shouldStop: StopRequest = { false }
  ) throws -> GlyphJudge {
    let o = options
    let s = o.config.imageSize
    let optimizer = AdamW(
      judge, config: AdamW.Config(weightDecay: o.weightDecay))
    var order = RandomStream(seed: o.seed, name: "judge-data")
    var augment = RandomStream(seed: o.seed, name: "judge-augment")
    var epochOrder: [Int] = []
    var cursor = 0
    let start = Date()
    var lastReport = Date.distantPast
    var planned = o.steps != nil || o.minutes == nil
    var step = 0
    while step < totalSteps {
      if cursor + o.batchSize > epochOrder.count {
        epochOrder = trainIndices
        order.shuffle(&epochOrder)
        cursor = 0
      }
      let batch = Array(epochOrder[cursor..<(cursor + o.batchSize)])
      cursor += o.batchSize
      var pixels = [Float]()
      pixels.reserveCapacity(batch.count * s * s)
      for i in batch {
        var ink = images[(i * s * s)..<((i + 1) * s * s)].map { 1 - Float($0) / 255 }
        o.augmentation.apply(&ink, size: s, stream: &augment)
        pixels += ink.map { 1 - 2 * min(1, max(0, $0)) }
      }
      let x = Tensor(shape: [batch.count, s, s, 1], scalars: pixels)
      let classes = batch.map { radicals[$0] - 1 }
      let strokeTargets = Tensor(
        shape: [batch.count, 1], scalars: batch.map { Float(strokes[$0]) / o.config.strokeScale })
      let schedule = LRSchedule.cosine(warmup: o.warmupSteps, total: totalSteps)
      let lr = o.learningRate * schedule.multiplier(step: step)
      let (lossValue, top1) = ComputePrecision.with(.f32) { () -> (Float, Float) in
        let out = judge(x)
        let loss =
          out.radicalLogits.crossEntropy(classes: classes)
          + out.strokes.mseLoss(strokeTargets) * o.strokeWeight
        judge.zeroGrad()
        loss.backward()
        let logits = out.radicalLogits.detached().scalars
        var correct = 0
        for (row, c) in classes.enumerated() {
          let r = logits[(row * 214)..<((row + 1) * 214)]
          if r.indices.max(by: { r[$0] < r[$1] })! - row * 214 == c { correct += 1 }
        }
        return (loss.item, Float(correct) / Float(classes.count))
      }
      guard lossValue.isFinite else {
        throw EvaluationError.invalidOption(
          "judge training diverged at step \(step + 1) (loss \(lossValue)); lower --lr")
      }
      optimizer.step(lr: lr)
      step += 1
      if !planned, step == 10, let minutes = o.minutes {
        let perStep = Date().timeIntervalSince(start) / 10
        totalSteps = max(step + 1, Int(minutes * 60 / perStep))
        planned = true
      }
      let now = Date()
      if now.timeIntervalSince(lastReport) >= 2 || step == totalSteps || shouldStop() {
        lastReport = now
        let seconds = now.timeIntervalSince(start)
        progress(
          JobProgress(
            stage: "judge", done: step, total: totalSteps,
            detail: String(
              format: "step %d/%d | loss %.3f | batch top-1 %.2f | lr %.2e | %.0f s", step,
              totalSteps, lossValue, top1, lr, seconds),
            values: [
              "loss": Double(lossValue), "train_top1": Double(top1), "lr": Double(lr),
              "seconds": seconds,
            ]))
      }
      if shouldStop() { break }
    }
    totalSteps = step
    return judge
  }
}
