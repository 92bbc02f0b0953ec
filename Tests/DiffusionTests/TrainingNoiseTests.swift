import Foundation
import NN
import Tensors
import Testing

@testable import Diffusion

/// The forward process a run trains on (`TrainingNoise`) and the learning rate planned from the
/// measured step rate (`TrainingRun.planSchedule`).
@Suite struct TrainingNoiseTests {
  /// The default process is the one every existing model was trained on (same bits).
  @Test func theDefaultIsHo2020AndTheDefaultSchedulerConfig() throws {
    let config = TrainingConfig()
    #expect(try config.schedulerConfig() == ModelFolder.defaultScheduler)
    let trainer = try TrainingFixture.trainer(TrainingFixture.config())
    #expect(trainer.schedule == (try NoiseSchedule(.ho2020)))
  }

  /// Simple diffusion's shift: λ'_t = λ_t + s at every t, written as trained_betas that sampling
  /// reads back into the same table.
  @Test(arguments: [1.386, -1.0])
  func theShiftMovesEveryLogSNR(shift: Double) throws {
    let noise = TrainingNoise(betaSchedule: "squaredcos_cap_v2", logSNRShift: shift)
    let c = try noise.schedulerConfig(trainTimesteps: 1000, prediction: .epsilon)
    #expect(c.trainedBetas?.count == 1000 && c.betaSchedule == nil)
    let shifted = try c.settings().schedule
    let base = try NoiseSchedule(.cosine())
    for t in [0, 10, 100, 500, 900, 990] {
      let moved = shifted.logSNR(at: t) - base.logSNR(at: t)
      // Float32 betas and ᾱ: about 1e-6 relative on ᾱ, more on λ where ᾱ is near 0 or 1.
      #expect(abs(moved - shift) < 2e-3, "t = \(t): moved \(moved)")
    }
    #expect(abs(TrainingNoise.simpleDiffusionShift(size: 32) - 2 * log(2.0)) < 1e-12)
  }

  @Test func zeroTerminalSNRSamplesWithTrailingTimestepsAndNeedsV() throws {
    let noise = TrainingNoise(zeroTerminalSNR: true)
    let c = try noise.schedulerConfig(trainTimesteps: 1000, prediction: .vPrediction)
    let settings = try c.settings()
    #expect(settings.schedule.alphasCumprod.last == 0)
    #expect(settings.spacing == .trailing)
    #expect(settings.prediction == .vPrediction)
    #expect(throws: TrainingError.self) { try noise.validate(prediction: .epsilon) }
    #expect(throws: TrainingError.self) {
      try TrainingNoise(betaSchedule: "sqrt").validate(prediction: .epsilon)
    }
    #expect(throws: TrainingError.self) {
      try TrainingNoise(logSNRShift: .nan).validate(prediction: .epsilon)
    }
  }

  /// At t = T − 1 of a zero-SNR schedule min(SNR, γ)/(SNR + 1) is 0 for v: the loss stays finite
  /// and the exported model folder carries the schedule.
  @Test func aZeroSNRRunTrainsAndExportsItsSchedule() throws {
    var config = TrainingFixture.config(steps: 3)
    config.prediction = .vPrediction
    config.lossWeighting = .minSNR(gamma: 5)
    config.noise = TrainingNoise(zeroTerminalSNR: true, logSNRShift: 0.5)
    let trainer = try TrainingFixture.trainer(config)
    var rng = RandomStream(seed: 1, name: "test")
    let pred = Tensor.randomNormal([2, 8, 8, 1], stream: &rng)
    let loss = trainer.weightedLoss(pred, pred * 0.5, timesteps: [999, 998]).item
    #expect(loss.isFinite && loss > 0)
    let dir = try TrainingFixture.temporaryDirectory()
    let run = try TrainingRun(trainer: trainer, directory: dir)
    run.progress = { _ in }
    run.modelRecord = TrainingFixture.record
    try run.run()
    let loaded = try ModelFolder.load(from: run.modelDirectory)
    let settings = try loaded.scheduler.settings()
    #expect(settings.schedule == trainer.schedule)
    #expect(settings.spacing == .trailing && settings.prediction == .vPrediction)
  }

  /// The cosine's end is set to the step the run reaches at the deadline at the measured rate.
  @Test func theCosineIsPlannedToEndAtTheDeadline() throws {
    var config = TrainingFixture.config()
    config.duration = .minutes(10)
    config.scheduleSteps = nil
    config.warmupSteps = 20
    #expect(config.plansScheduleFromRate)
    let trainer = try TrainingFixture.trainer(config)
    let run = try TrainingRun(
      trainer: trainer, directory: try TrainingFixture.temporaryDirectory())
    // Not before the warm-up ends, nor off the re-planning interval.
    run.planSchedule(step: 10, madeSteps: 10, elapsed: 5, remaining: 100)
    #expect(trainer.state.lrSchedule == .cosine(warmup: 20, total: 100_000))
    run.planSchedule(step: 51, madeSteps: 51, elapsed: 25, remaining: 100)
    #expect(trainer.state.lrSchedule == .cosine(warmup: 20, total: 100_000))
    // 50 steps in 25 s: 2 steps/s, 100 s left → the cosine ends 200 steps on.
    run.planSchedule(step: 50, madeSteps: 50, elapsed: 25, remaining: 100)
    #expect(trainer.state.lrSchedule == .cosine(warmup: 20, total: 250))
    #expect(trainer.state.lrSchedule.multiplier(step: 250) == 0)
    // Past the deadline the plan ends now.
    run.planSchedule(step: 300, madeSteps: 300, elapsed: 150, remaining: -5)
    #expect(trainer.state.lrSchedule.multiplier(step: 300) == 0)
    // An explicit --schedule-steps is kept.
    config.scheduleSteps = 500
    #expect(!config.plansScheduleFromRate)
  }
}
