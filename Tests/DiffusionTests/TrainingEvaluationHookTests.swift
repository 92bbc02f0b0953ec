import Foundation
import Tensors
import Testing

@testable import Diffusion

/// `train --eval-every` and the end-of-run model export, at the library level.
@Suite struct TrainingEvaluationHookTests {
  @Test func evaluationRunsWithTheEMAWeightsAndIsRecorded() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    let trainer = try TrainingFixture.trainer(TrainingFixture.config(steps: 6))
    let run = try TrainingRun(trainer: trainer, directory: dir)
    run.progress = { _ in }
    run.evaluateEvery = 2
    var calls: [Int] = []
    run.evaluate = {
      // The weights the evaluation sees are the EMA shadow, not the training weights.
      let first = trainer.model.namedParameters()[0]
      #expect(first.1.value.scalars == trainer.ema.shadow[first.0]!.scalars)
      calls.append(trainer.state.step)
      return ["radical_top1": Double(trainer.state.step) / 10]
    }
    try run.run()
    #expect(calls == [2, 4, 6])
    let metrics = try TrainingMetrics.read(run: dir)
    #expect(metrics.count == 6)
    let evaluated = metrics.filter { $0.eval != nil }
    #expect(evaluated.map(\.step) == [2, 4, 6])
    #expect(evaluated.last?.eval?["radical_top1"] == 0.6)
    // Training minutes grow with the steps.
    let minutes = evaluated.compactMap { $0.eval?["train_minutes"] }
    #expect(minutes.count == 3 && minutes == minutes.sorted() && minutes[0] > 0)
  }

  @Test func aRunWithARecordEndsWithAModelFolderOfTheEMAWeights() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    let trainer = try TrainingFixture.trainer(TrainingFixture.config(steps: 3))
    let run = try TrainingRun(trainer: trainer, directory: dir)
    run.progress = { _ in }
    run.modelRecord = TrainingFixture.record
    try run.run()
    let loaded = try ModelFolder.load(from: run.modelDirectory)
    #expect(loaded.record.trainingSteps == 3)
    for (name, p) in loaded.unet.namedParameters() {
      #expect(p.value.scalars == trainer.ema.shadow[name]!.scalars, "\(name)")
    }
  }

  @Test func unreadableMetricsNameTheLine() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    try Data("{\"step\": 1}\n".utf8).write(to: dir.appendingPathComponent("metrics.jsonl"))
    do {
      _ = try TrainingMetrics.read(run: dir)
      Issue.record("expected an error")
    } catch let error as TrainingError {
      #expect(error.description.contains("metrics.jsonl:1"))
    }
  }

  /// A running run's file read mid-write: the unterminated last line is skipped, not an error;
  /// the same text with its newline is one.
  @Test func aLastLineStillBeingWrittenIsSkipped() throws {
    let line =
      #"{"step": 1, "epoch": 0, "loss": 0.5, "lr": 0.001, "grad_norm": 1, "img_per_s": 10}"#
    let data = Data((line + "\n" + #"{"step": 2, "lo"#).utf8)
    #expect(try TrainingMetrics.decode(data, path: "m").map(\.step) == [1])
    #expect(throws: TrainingError.self) {
      try TrainingMetrics.decode(Data((line + "\n" + #"{"step": 2, "lo"# + "\n").utf8), path: "m")
    }
  }
}
