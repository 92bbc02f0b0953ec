import Foundation
import NN
import Tensors
import Testing

@testable import Diffusion

/// Exact resume: a run stopped at a checkpoint and resumed must make bit-for-bit the same
/// subsequent losses, weights and EMA as the uninterrupted run (same thread count).
@Suite struct TrainingResumeTests {
  /// The uninterrupted 8-step run (20 training images, batch 4: epochs of 5 batches, so step 6
  /// lies in the second epoch).
  static func uninterrupted() throws -> (losses: [StepMetrics], trainer: Trainer) {
    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let run = try TrainingRun(
      trainer: try TrainingFixture.trainer(TrainingFixture.config()), directory: dir)
    run.progress = { _ in }
    return (try run.run(), run.trainer)
  }

  @Test(arguments: [3, 5, 6])
  func resumedRunMatchesUninterruptedBitForBit(stopAt: Int) throws {
    let (full, fullTrainer) = try Self.uninterrupted()
    #expect(full.count == 8)

    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let first = try TrainingRun(
      trainer: try TrainingFixture.trainer(TrainingFixture.config(steps: stopAt)), directory: dir)
    first.progress = { _ in }
    let head = try first.run()
    #expect(head.map(\.loss) == full.prefix(stopAt).map(\.loss))

    // A new trainer from the files alone (the first one is dropped as a killed process would be).
    let checkpoint = try #require(TrainingCheckpoint.latest(run: dir))
    #expect(checkpoint.lastPathComponent == "step-\(stopAt)")
    let resumed = try TrainingCheckpoint.resume(
      from: checkpoint, images: TrainingFixture.images, captions: TrainingFixture.captions,
      duration: .steps(8))
    let second = try TrainingRun(trainer: resumed, directory: dir)
    second.progress = { _ in }
    let tail = try second.run()

    #expect(tail.map(\.step) == Array((stopAt + 1)...8))
    #expect(tail.map(\.loss.bitPattern) == full.dropFirst(stopAt).map(\.loss.bitPattern))
    #expect(tail.map(\.gradNorm.bitPattern) == full.dropFirst(stopAt).map(\.gradNorm.bitPattern))
    #expect(tail.map(\.lr) == full.dropFirst(stopAt).map(\.lr))
    #expect(
      tail.map { $0.valLoss?.bitPattern } == full.dropFirst(stopAt).map { $0.valLoss?.bitPattern })
    #expect(
      tail.map { $0.valLossEMA?.bitPattern }
        == full.dropFirst(stopAt).map { $0.valLossEMA?.bitPattern })
    #expect(TrainingFixture.weights(resumed.model) == TrainingFixture.weights(fullTrainer.model))
    #expect(resumed.ema.shadow.mapValues(\.scalars) == fullTrainer.ema.shadow.mapValues(\.scalars))
    #expect(resumed.state == fullTrainer.state)

    // metrics.jsonl reads as one run: steps 1…8 once each, validation at steps 3 and 6.
    let lines = try String(contentsOf: second.metricsURL, encoding: .utf8)
      .split(separator: "\n").map {
        try JSONDecoder().decode(StepMetrics.self, from: Data($0.utf8))
      }
    #expect(lines.map(\.step) == Array(1...8))
    #expect(lines.compactMap { $0.valLoss == nil ? nil : $0.step } == [3, 6])
    // The EMA weights are a different model: their validation loss is its own number.
    #expect(lines.compactMap { $0.valLossEMA == nil ? nil : $0.step } == [3, 6])
    #expect(lines.contains { $0.valLossEMA != nil && $0.valLossEMA != $0.valLoss })
  }

  @Test func metricsAfterTheCheckpointAreDroppedOnResume() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = TrainingFixture.config(steps: 5)
    config.checkpointEvery = 2
    let run = try TrainingRun(trainer: try TrainingFixture.trainer(config), directory: dir)
    run.progress = { _ in }
    try run.run()
    // Steps 1–5 logged; checkpoints at 2, 4 and the final 5. Pretend the process died after 4.
    try FileManager.default.removeItem(
      at: TrainingCheckpoint.directory(run: dir).appendingPathComponent("step-5"))
    let resumed = try TrainingCheckpoint.resume(
      from: try #require(TrainingCheckpoint.latest(run: dir)), images: TrainingFixture.images,
      captions: TrainingFixture.captions)
    #expect(resumed.state.step == 4)
    let again = try TrainingRun(trainer: resumed, directory: dir)
    let steps = try String(contentsOf: again.metricsURL, encoding: .utf8).split(separator: "\n")
    #expect(steps.count == 4)
  }

  @Test func everyEpochVisitsEachTrainingImageOnce() throws {
    let trainer = try TrainingFixture.trainer(TrainingFixture.config())
    var epochs: [[Int]] = []
    for _ in 0..<3 {
      epochs.append((0..<trainer.batchesPerEpoch).flatMap { _ in trainer.nextBatchIndices() })
    }
    for e in epochs { #expect(e.sorted() == Array(0..<20)) }
    #expect(epochs[0] != epochs[1])
    #expect(trainer.state.epoch == 2)
  }
}
