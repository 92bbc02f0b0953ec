import Foundation
import GlyphData
import Tensors
import Testing

@testable import Evaluation

@Test func aRandomModelScoresNearTheFloorAndFarBelowTheRealGlyphs() throws {
  // A 16 px random model (`test` preset), a 16 px labelled data set, a judge trained on it.
  let dataURL = try EvaluationFixtures.dataset(size: 16, perClass: 48)
  let data = try GlyphDataset(contentsOf: dataURL)
  var options = JudgeTrainingOptions()
  options.config = EvaluationFixtures.judgeConfig(size: 16)
  options.steps = 150
  options.batchSize = 32
  options.warmupSteps = 10
  let trainer = try JudgeTrainer(dataset: data, options: options)
  let judgeDir = try EvaluationFixtures.temporaryDirectory("judge")
  try JudgeFolder.save(try trainer.train(), to: judgeDir)

  var eval = EvalOptions()
  eval.characters = 24
  eval.perPrompt = 1
  eval.steps = 3
  eval.perFamily = 1
  eval.batch = 16
  let model = try EvaluationFixtures.randomModel()
  let evaluation = try GlyphEvaluation(
    model: model, judge: judgeDir, dataset: data, options: eval)
  let (report, details, glyphs) = try evaluation.run()
  #expect(report.radicalTop1Real >= 0.8, "ceiling \(report.radicalTop1Real)")
  #expect(report.radicalTop1 <= report.radicalTop1Real - 0.3)
  #expect(report.fd > report.fdRealFloor)
  #expect(report.copies == 0)
  #expect(details.family.count == FamilyPrompt.table.count)
  #expect(glyphs.generated.count == 24 * 16 * 16)

  // --json's keys, exactly.
  let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
  let expected = Set(
    EvalReport.metricKeys + [
      "settings", "model", "model_sha256", "judge", "judge_sha256", "timings",
    ])
  #expect(Set(json.keys) == expected)
  for key in EvalReport.metricKeys {
    #expect((json[key] as? Double)?.isFinite == true, "\(key)")
  }

  // Same settings, same numbers, on one thread (fewer glyphs: the same prefix of characters).
  var fewer = eval
  fewer.characters = 8
  fewer.perFamily = 0
  let small = try GlyphEvaluation(model: model, judge: judgeDir, dataset: data, options: fewer)
  let report8 = try small.run().report
  let again = try Parallel.withThreadCount(1) { try small.run().report }
  #expect(again.radicalTop1 == report8.radicalTop1 && again.fd == report8.fd)
  #expect(again.kid == report8.kid && again.precision == report8.precision)
}

@Test func badInputsGiveErrorsNamingTheFile() throws {
  let dataURL = try EvaluationFixtures.dataset(size: 16, perClass: 12)
  let data = try GlyphDataset(contentsOf: dataURL)
  let model = try EvaluationFixtures.randomModel()
  var rng = RandomStream(seed: 0, name: "judge-init")
  let judgeDir = try EvaluationFixtures.temporaryDirectory("judge")
  try JudgeFolder.save(
    GlyphJudge(EvaluationFixtures.judgeConfig(size: 16), stream: &rng), to: judgeDir)
  var eval = EvalOptions()
  eval.characters = 8

  // A data set without labels.
  let unlabelled = try EvaluationFixtures.temporaryDirectory("unlabelled")
  try DatasetBuilder.writeShard(
    data.images, zip(data.codepoints, data.captions).map { ($0, $1) }, splits: data.splits,
    size: 16, to: unlabelled)
  do {
    _ = try GlyphEvaluation(
      model: model, judge: judgeDir, dataset: try GlyphDataset(contentsOf: unlabelled),
      options: eval)
    Issue.record("expected an error")
  } catch let error as GlyphDataError {
    #expect(error.description.contains("glyffuser dataset build"))
  }
  // A data set whose glyphs cannot be brought to the model's size (12 px vs 16 px).
  let odd = try EvaluationFixtures.temporaryDirectory("odd")
  try DatasetBuilder.writeShard(
    [UInt8](repeating: 255, count: 8 * 144),
    (0..<8).map { (0x4E00 + UInt32($0), "x") }, splits: Array(repeating: .validation, count: 8),
    labels: Array(repeating: GlyphLabels(radical: 1, strokes: 1), count: 8), size: 12, to: odd)
  #expect(throws: EvaluationError.self) {
    try GlyphEvaluation(
      model: model, judge: judgeDir, dataset: try GlyphDataset(contentsOf: odd), options: eval)
  }
  // Options out of range are refused before any work.
  var bad = eval
  bad.steps = 0
  #expect(throws: EvaluationError.invalidOption("--steps must be 1–1000")) {
    try GlyphEvaluation(model: model, judge: judgeDir, dataset: data, options: bad)
  }
}
