import Foundation
import NN
import Tensors
import Testing

@testable import Diffusion

@Suite struct TrainingTrainerTests {
  @Test func nonFiniteLossStopsWithTheLastCheckpointIntact() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = TrainingFixture.config(steps: 2)
    config.validationEvery = 0
    let run = try TrainingRun(trainer: try TrainingFixture.trainer(config), directory: dir)
    run.progress = { _ in }
    try run.run()
    let good = try #require(TrainingCheckpoint.latest(run: dir))
    let before = try Data(
      contentsOf: good.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))

    // Poison one weight: the forward pass, hence the loss, becomes NaN at step 3.
    let resumed = try TrainingCheckpoint.resume(
      from: good, images: TrainingFixture.images, captions: TrainingFixture.captions,
      duration: .steps(4))
    let weightsBefore = TrainingFixture.weights(resumed.model)
    resumed.model.convIn.weight.update { $0[0] = .nan }
    let poisoned = TrainingFixture.weights(resumed.model)
    let again = try TrainingRun(trainer: resumed, directory: dir)
    again.progress = { _ in }
    #expect(
      throws: TrainingError.nonFinite(step: 3, tensor: "loss", lastCheckpoint: good.path)
    ) { try again.run() }
    // No update was applied, no checkpoint written, the last good one loads.
    #expect(TrainingFixture.weights(resumed.model).keys == weightsBefore.keys)
    #expect(
      TrainingFixture.weights(resumed.model)["conv_out.weight"] == poisoned["conv_out.weight"])
    #expect(TrainingCheckpoint.list(run: dir).map(\.step) == [2])
    #expect(
      try Data(contentsOf: good.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        == before)
    _ = try TrainingCheckpoint.resume(
      from: good, images: TrainingFixture.images, captions: TrainingFixture.captions)
  }

  /// A run whose directory disappears cannot create metrics.jsonl: the error names the file.
  @Test func unwritableMetricsFileIsNamed() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = TrainingFixture.config(steps: 1)
    config.validationEvery = 0
    let run = try TrainingRun(trainer: try TrainingFixture.trainer(config), directory: dir)
    run.progress = { _ in }
    try FileManager.default.removeItem(at: dir)
    #expect(throws: TrainingError.cannotCreate(path: run.metricsURL.path)) { try run.run() }
  }

  @Test func nonFiniteGradientNamesTheParameter() throws {
    let named = try TrainingFixture.model().namedParameters()
    for (_, p) in named { p.grad = Tensor.zeros(p.shape) }
    #expect(Trainer.firstNonFiniteGradient(named) == nil)
    named[7].1.grad = Tensor.full(named[7].1.shape, .nan)
    named[9].1.grad = Tensor.full(named[9].1.shape, .infinity)
    #expect(Trainer.firstNonFiniteGradient(named) == named[7].0)
    #expect(!clipGradNorm(named.map(\.1), maxNorm: 1).isFinite)
  }

  @Test func interruptedCheckpointWriteLeavesThePreviousOneLoadable() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = TrainingFixture.config(steps: 1)
    config.validationEvery = 0
    config.keepCheckpoints = 2
    config.checkpointEvery = 1
    let run = try TrainingRun(trainer: try TrainingFixture.trainer(config), directory: dir)
    run.progress = { _ in }
    try run.run()
    // A write killed midway: a temporary directory with a truncated weights file and no state.
    let ckpts = TrainingCheckpoint.directory(run: dir)
    let partial = ckpts.appendingPathComponent(".step-2.tmp-99999/unet", isDirectory: true)
    try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
    try Data([1, 2, 3]).write(
      to: partial.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    #expect(TrainingCheckpoint.latest(run: dir)?.lastPathComponent == "step-1")
    let resumed = try TrainingCheckpoint.resume(
      from: try #require(TrainingCheckpoint.latest(run: dir)), images: TrainingFixture.images,
      captions: TrainingFixture.captions, duration: .steps(3))
    #expect(resumed.state.step == 1)
    // The next saves clean the leftover and keep only the newest 2.
    let again = try TrainingRun(trainer: resumed, directory: dir)
    again.progress = { _ in }
    try again.run()
    try TrainingCheckpoint.save(resumed, run: dir)  // re-saving the same step replaces it
    let names = try FileManager.default.contentsOfDirectory(atPath: ckpts.path).sorted()
    #expect(names == ["step-2", "step-3"])
  }

  @Test func minSNRWeightingMatchesTheFormula() throws {
    var config = TrainingFixture.config()
    config.lossWeighting = .minSNR(gamma: 5)
    for prediction in PredictionType.allCases {
      config.prediction = prediction
      let trainer = try TrainingFixture.trainer(config)
      var rng = RandomStream(seed: 1, name: "test")
      let pred = Tensor.randomNormal([3, 8, 8, 1], stream: &rng)
      let target = Tensor.randomNormal([3, 8, 8, 1], stream: &rng)
      let t = [0, 300, 999]
      let got = trainer.weightedLoss(pred, target, timesteps: t).item
      // Naive: mean over b of w_b · mean over pixels of (p − y)², in Double.
      let (p, y) = (pred.scalars, target.scalars)
      var want = 0.0
      for b in 0..<3 {
        let a = trainer.schedule.alphasCumprod[t[b]]
        let snr = a / (1 - a)
        let w: Double =
          switch prediction {
          case .epsilon: min(snr, 5) / snr
          case .vPrediction: min(snr, 5) / (snr + 1)
          case .sample: min(snr, 5)
          }
        var mse = 0.0
        for i in b * 64..<(b + 1) * 64 { mse += Double(p[i] - y[i]) * Double(p[i] - y[i]) }
        want += w * mse / 64
      }
      want /= 3
      #expect(abs(Double(got) - want) <= 1e-5 * max(1, abs(want)), "\(prediction)")
    }
  }

  @Test func captionDropoutSubstitutesTheEmptyPrompt() {
    let captions = TrainingFixture.captions
    let (text, mask) = captions.batch(indices: [1, 2, 3], dropped: [false, true, false])
    let (plain, plainMask) = captions.batch(indices: [1, 2, 3])
    let row = 4 * 16
    #expect(Array(text.scalars[0..<row]) == Array(plain.scalars[0..<row]))
    #expect(Array(text.scalars[row..<2 * row]) == captions.empty.text.scalars)
    #expect(Array(text.scalars[2 * row..<3 * row]) == Array(plain.scalars[2 * row..<3 * row]))
    #expect(Array(mask.scalars[4..<8]) == [1, 0, 0, 0])
    #expect(Array(mask.scalars[8..<12]) == Array(plainMask.scalars[8..<12]))
  }

  @Test func dropoutRateIsAboutTenPercent() throws {
    var stream = RandomStream(seed: 0, name: "dropout")
    let n = 20_000
    let dropped = (0..<n).filter { _ in stream.nextUniform() < TrainingConfig().captionDropout }
    #expect(abs(Double(dropped.count) / Double(n) - 0.1) < 0.01)
  }

  @Test func sampleGridUsesEMAWeightsAndLeavesTrainingUntouched() throws {
    let trainer = try TrainingFixture.trainer(TrainingFixture.config())
    try trainer.step()
    let weights = TrainingFixture.weights(trainer.model)
    let streams = (trainer.state.data, trainer.state.noise, trainer.state.timestep)
    let samplePosition = trainer.state.sample.position
    let grid = try trainer.sampleGrid(encoder: HashPromptEncoder(), columns: 3)
    // 2 prompts × 3 samples of 8 px with 2 px gaps.
    #expect(grid.width == 3 * 10 + 2 && grid.height == 2 * 10 + 2)
    #expect(Set(grid.pixels).count > 2)
    #expect(TrainingFixture.weights(trainer.model) == weights)
    #expect(trainer.state.data == streams.0 && trainer.state.noise == streams.1)
    #expect(trainer.state.timestep == streams.2)
    #expect(trainer.state.sample.position > samplePosition)
  }

  @Test func tilingPlacesImagesInRowsWithGaps() {
    let a = GreyscaleImage(width: 2, height: 1, pixels: [0, 1])
    let b = GreyscaleImage(width: 2, height: 1, pixels: [2, 3])
    let g = GreyscaleImage.tiled([a, b, a], columns: 2, gap: 1)
    #expect(g.width == 7 && g.height == 5)
    #expect(Array(g.pixels[8..<13]) == [0, 1, 255, 2, 3])
    #expect(Array(g.pixels[22..<24]) == [0, 1])
  }

  @Test func configRoundTripsAndValidationNamesTheField() throws {
    var c = TrainingConfig()
    c.lossWeighting = .minSNR(gamma: 5)
    c.duration = .minutes(1.5)
    let back = try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(c))
    #expect(back == c)
    c.captionDropout = 1
    #expect(
      throws: TrainingError.invalidConfig(field: "captionDropout", "must be in [0, 1), got 1.0")
    ) {
      try c.validate()
    }
    var small = TrainingFixture.config()
    small.batchSize = 64
    #expect(throws: TrainingError.self) { try TrainingFixture.trainer(small) }
  }

  @Test func lossDecreasesOnTheToySet() throws {
    var config = TrainingFixture.config(steps: 12)
    config.scheduleSteps = nil
    config.validationEvery = 0
    config.warmupSteps = 0
    config.learningRate = 3e-3
    let trainer = try TrainingFixture.trainer(config)
    let before = trainer.validationLoss()!
    for _ in 0..<12 { try trainer.step() }
    let after = trainer.validationLoss()!
    #expect(after < before, "validation loss \(before) → \(after)")
  }
}
