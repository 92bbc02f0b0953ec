import Foundation
import GlyphData
import NN
import Tensors
import Testing

@testable import Diffusion

/// The super-resolution stage: its interpolation against PyTorch, its training pairs, training,
/// exact resume (in process and after SIGKILL), and the stage folder.
@Suite struct SuperResolutionTests {
  /// 16 px glyphs: the 8 px training fixture with every pixel repeated 2 × 2, so box
  /// downsampling by 2 must give the 8 px glyphs back exactly.
  static var images16: TrainingImages {
    let small = TrainingFixture.images
    var pixels = [UInt8](repeating: 0, count: TrainingFixture.count * 256)
    for n in 0..<TrainingFixture.count {
      for y in 0..<16 {
        for x in 0..<16 { pixels[n * 256 + y * 16 + x] = small.pixels[n * 64 + y / 2 * 8 + x / 2] }
      }
    }
    return TrainingImages(
      pixels: pixels, size: 16, trainIndices: small.trainIndices,
      validationIndices: small.validationIndices)
  }

  static let settings = SuperResolutionSettings(factor: 2, crop: 8, augmentation: 0.1)

  static let unetConfig = UNetConfig.unconditional(
    sampleSize: 16, inChannels: 2, blockOutChannels: [8, 16], layersPerBlock: 1, normGroups: 4)

  static func config(steps: Int, objective: SuperResolutionSettings.Objective = .diffusion)
    -> TrainingConfig
  {
    var c = TrainingFixture.config(steps: steps)
    c.captionDropout = 0
    c.scheduleSteps = max(steps, 8)
    var s = settings
    s.objective = objective
    c.superResolution = s
    return c
  }

  static func trainer(_ config: TrainingConfig) throws -> Trainer {
    var rng = RandomStream(seed: 3, name: "init")
    return try Trainer(
      model: try UNet2DConditionModel(unetConfig, stream: &rng), config: config,
      examples: try SuperResolutionPairs(images: images16, settings: config.superResolution!))
  }

  /// Bilinear and bicubic ×4 of a seeded input, against scripts/reference/upsample.py.
  @Test func upsamplingMatchesPyTorch() throws {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/upsample.json")
    let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    let input = (fixture["input"] as! [Double]).map(Float.init)
    for (name, kernel) in [("bilinear", GlyphUpsample.Kernel.bilinear), ("bicubic", .bicubic)] {
      let want = fixture[name] as! [Double]
      let got = GlyphUpsample.upsample(input, count: 2, side: 5, factor: 4, kernel: kernel)
      #expect(got.count == want.count)
      let worst = zip(got, want).map { abs(Double($0) - $1) }.max()!
      #expect(worst < 1e-3, "\(name): largest difference \(worst) (of 0…255)")
    }
  }

  /// The condition is the data set's box downsample (here exactly the 8 px glyphs), upsampled
  /// bilinearly and cropped where x0 is cropped.
  @Test func pairsAreTheDataSetsDownsampleCroppedTogether() throws {
    let pairs = try SuperResolutionPairs(
      images: Self.images16, settings: SuperResolutionSettings(factor: 2, crop: 8, augmentation: 0))
    #expect(pairs.low == TrainingFixture.images.pixels)
    #expect(
      pairs.low
        == GlyphDownsample.box(Self.images16.pixels, count: TrainingFixture.count, from: 16, to: 8))
    let idx = [20, 23]
    let batch = pairs.validationBatch(idx)
    guard case .channels(let cond) = batch.conditioning else {
      Issue.record("not a channels condition")
      return
    }
    #expect(batch.x0.shape == [2, 8, 8, 1] && cond.shape == [2, 8, 8, 1])
    let up = GlyphUpsample.upsample(
      pairs.lowResolution(idx).scalars, count: 2, side: 8, factor: 2, kernel: .bilinear)
    let (x0, c) = (batch.x0.scalars, cond.scalars)
    for b in 0..<2 {
      for y in 0..<8 {
        for x in 0..<8 {
          let src = (4 + y) * 16 + 4 + x  // the centre crop starts at (16 − 8)/2
          #expect(
            x0[(b * 8 + y) * 8 + x] == Float(Self.images16.pixels[idx[b] * 256 + src]) / 127.5 - 1)
          #expect(c[(b * 8 + y) * 8 + x] == up[b * 256 + src])
        }
      }
    }
    // Training crops are drawn from the stream: the same stream, the same batch.
    var s1 = RandomStream(seed: 1, name: "dropout")
    var s2 = s1
    let a = pairs.trainingBatch([0, 1, 2], config: Self.config(steps: 1), random: &s1)
    let b = pairs.trainingBatch([0, 1, 2], config: Self.config(steps: 1), random: &s2)
    #expect(a.x0.scalars == b.x0.scalars)
  }

  @Test func shortTrainingReducesTheValidationLoss() throws {
    for objective in SuperResolutionSettings.Objective.allCases {
      var config = Self.config(steps: 40, objective: objective)
      config.learningRate = 3e-3
      config.warmupSteps = 0
      config.scheduleSteps = 40
      config.validationEvery = 0
      let trainer = try Self.trainer(config)
      let before = try #require(trainer.validationLoss())
      for _ in 0..<40 { try trainer.step() }
      let after = try #require(trainer.validationLoss())
      #expect(after < 0.7 * before, "\(objective): validation loss \(before) → \(after)")
    }
  }

  /// Stopped at a checkpoint and resumed from the files alone, a super-resolution run makes the
  /// uninterrupted run's losses bit for bit (crops and augmentation come from the saved streams).
  @Test func resumedRunMatchesUninterrupted() throws {
    func run(_ steps: Int, in dir: URL) throws -> [StepMetrics] {
      let r = try TrainingRun(trainer: try Self.trainer(Self.config(steps: steps)), directory: dir)
      r.progress = { _ in }
      return try r.run()
    }
    let a = try TrainingFixture.temporaryDirectory()
    let b = try TrainingFixture.temporaryDirectory()
    defer {
      try? FileManager.default.removeItem(at: a)
      try? FileManager.default.removeItem(at: b)
    }
    let full = try run(6, in: a)
    _ = try run(3, in: b)
    let checkpoint = try #require(TrainingCheckpoint.latest(run: b))
    #expect(try TrainingCheckpoint.storedConfig(at: checkpoint).superResolution == Self.settings)
    let resumed = try TrainingCheckpoint.resume(
      from: checkpoint,
      examples: try SuperResolutionPairs(images: Self.images16, settings: Self.settings),
      duration: .steps(6))
    let r = try TrainingRun(trainer: resumed, directory: b)
    r.progress = { _ in }
    let tail = try r.run()
    #expect(tail.map(\.loss.bitPattern) == full.dropFirst(3).map(\.loss.bitPattern))
    #expect(tail.map { $0.valLoss?.bitPattern } == full.dropFirst(3).map { $0.valLoss?.bitPattern })
  }

  /// A record whose output size is not the network's is refused before any pixel is allocated.
  @Test func aRecordThatDisagreesWithItsNetworkIsRefused() throws {
    var rng = RandomStream(seed: 3, name: "init")
    let unet = try UNet2DConditionModel(Self.unetConfig, stream: &rng)
    let record = SuperResolutionStage.Record(
      factor: 16, lowResolution: 1024, trainingAugmentation: 0.1, sampleAugmentation: 0)
    #expect(throws: ModelFolderError.self) {
      _ = try SuperResolutionStage(
        unet: unet, record: record, scheduler: ModelFolder.defaultScheduler)
    }
  }

  /// The run's model folder is a stage that loads, upsamples 8 → 16 px, and with the same seeds
  /// draws the same glyphs; the regression stage answers in one call.
  @Test func exportedStageUpsamples() throws {
    for objective in SuperResolutionSettings.Objective.allCases {
      let dir = try TrainingFixture.temporaryDirectory()
      defer { try? FileManager.default.removeItem(at: dir) }
      let run = try TrainingRun(
        trainer: try Self.trainer(Self.config(steps: 2, objective: objective)), directory: dir)
      run.progress = { _ in }
      run.superResolutionRecord = SuperResolutionStage.Record(
        factor: 2, lowResolution: 8, trainingAugmentation: 0.1, sampleAugmentation: 0.05,
        sampler: .ddim, steps: 3, objective: objective)
      try run.run()
      #expect(SuperResolutionStage.isStage(run.modelDirectory))
      let stage = try SuperResolutionStage.load(from: run.modelDirectory)
      #expect(stage.record.trainingSteps == 2 && stage.size == 16)
      let low = GlyphPixels.tensor(
        Array(TrainingFixture.images.pixels[0..<128]), count: 2, side: 8)
      let x = try stage.upsample(low, seeds: [4, 5])
      let y = try stage.upsample(low, seeds: [4, 5])
      #expect(x.shape == [2, 16, 16, 1])
      #expect(x.scalars == y.scalars)
      let finite = x.scalars.allSatisfy { $0.isFinite }
      #expect(finite)
    }
  }
}
