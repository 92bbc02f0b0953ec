import Foundation
import GlyphData
import JobControl
import Tensors
import Testing

@testable import Evaluation

private func trainSmallJudge(steps: Int, seed: UInt64 = 0) throws -> (
  JudgeTrainer, GlyphDataset, [Float]
) {
  let data = try GlyphDataset(contentsOf: try EvaluationFixtures.dataset())
  var options = JudgeTrainingOptions()
  options.config = EvaluationFixtures.judgeConfig(size: 16)
  options.steps = steps
  options.batchSize = 32
  options.warmupSteps = 10
  options.seed = seed
  let trainer = try JudgeTrainer(dataset: data, options: options)
  let progress = ProgressRecorder()
  _ = try trainer.train(progress: progress.handler)
  return (trainer, data, progress.reports.map { Float($0.values["loss"]!) })
}

@Test func judgeTrainingReducesItsLossAndBeatsChance() throws {
  let (trainer, data, _) = try trainSmallJudge(steps: 120)
  let before = try JudgeScoring.validationAccuracy(
    {
      var rng = RandomStream(seed: 0, name: "judge-init")
      return GlyphJudge(EvaluationFixtures.judgeConfig(size: 16), stream: &rng)
    }(), dataset: data)
  let after = try JudgeScoring.validationAccuracy(trainer.judge, dataset: data)
  // Four classes: chance is 0.25.
  #expect(after.count == 40)
  #expect(after.top1 >= 0.75, "validation top-1 \(after.top1)")
  #expect(after.top1 > before.top1 + 0.3)
}

@Test func judgeTrainingRepeatsBitForBit() throws {
  let a = try trainSmallJudge(steps: 6, seed: 3).0.judge
  let b = try trainSmallJudge(steps: 6, seed: 3).0.judge
  for ((name, p), (_, q)) in zip(a.namedParameters(), b.namedParameters()) {
    #expect(p.value.scalars == q.value.scalars, "\(name)")
  }
}

@Test func judgeFolderRoundTripsAndNamesWhatIsWrong() throws {
  var rng = RandomStream(seed: 0, name: "judge-init")
  let judge = GlyphJudge(EvaluationFixtures.judgeConfig(size: 16), stream: &rng)
  let dir = try EvaluationFixtures.temporaryDirectory("judge")
  try JudgeFolder.save(judge, to: dir)
  let loaded = try JudgeFolder.load(from: dir)
  #expect(loaded.config == judge.config)
  for ((_, p), (_, q)) in zip(judge.namedParameters(), loaded.namedParameters()) {
    // fp16 on disk: within an fp16 ulp (6e-8 below fp16's normal range).
    #expect(
      zip(p.value.scalars, q.value.scalars).allSatisfy { abs($0 - $1) <= abs($0) / 1024 + 6e-8 })
  }
  // A config value out of range: the file and key are named, nothing is allocated.
  let configURL = dir.appendingPathComponent(JudgeConfig.fileName)
  let good = try Data(contentsOf: configURL)
  try Data(
    String(decoding: good, as: UTF8.self).replacingOccurrences(
      of: "\"feature_dim\" : 32", with: "\"feature_dim\" : 100000000"
    ).utf8
  ).write(to: configURL)
  #expect(
    throws: EvaluationError.badConfig(
      file: configURL.path, key: "feature_dim", reason: "must be 8–4096")
  ) {
    try JudgeFolder.load(from: dir)
  }
  // Not JSON at all.
  try Data("{not json".utf8).write(to: configURL)
  #expect(throws: EvaluationError.self) { try JudgeFolder.load(from: dir) }
  try good.write(to: configURL)
  // Corrupt weights.
  let weights = dir.appendingPathComponent(JudgeFolder.weightsFile)
  try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: weights)
  do {
    _ = try JudgeFolder.load(from: dir)
    Issue.record("expected an error")
  } catch let error as EvaluationError {
    #expect(error.description.hasPrefix(weights.path))
  }
  // Missing folder.
  do {
    _ = try JudgeFolder.load(from: dir.appendingPathComponent("absent"))
    Issue.record("expected an error")
  } catch let error as EvaluationError {
    #expect(error.description.contains("glyffuser judge train"))
  }
}

@Test func augmentationKeepsInkInsideTheImageAndVaries() {
  var rng = RandomStream(seed: 0, name: "aug")
  var glyphRNG = RandomStream(seed: 0, name: "g")
  let base = EvaluationFixtures.glyph(2, size: 16, stream: &glyphRNG).map { 1 - Float($0) / 255 }
  var a = base
  var b = base
  JudgeAugmentation().apply(&a, size: 16, stream: &rng)
  JudgeAugmentation().apply(&b, size: 16, stream: &rng)
  #expect(a.count == 256 && a != b && a != base)
  // Without noise, shift or strokes the image is unchanged (identity affine).
  var none = JudgeAugmentation()
  none.maxShift = 0
  none.maxScale = 0
  none.strokeProbability = 0
  none.blurProbability = 0
  none.maxNoise = 0
  var c = base
  none.apply(&c, size: 16, stream: &rng)
  #expect(zip(c, base).allSatisfy { abs($0 - $1) < 1e-6 })
}
