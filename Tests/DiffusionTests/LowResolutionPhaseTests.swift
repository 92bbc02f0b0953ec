import Foundation
import GlyphData
import Tensors
import Testing

@testable import Diffusion

/// Progressive resolution (`TrainingConfig.lowResolution`): the first steps train on the box
/// downsample, the rest at full size, with the same streams, and resume stays exact across the
/// switch.
@Suite struct LowResolutionPhaseTests {
  static func config(steps: Int = 6) -> TrainingConfig {
    var c = TrainingFixture.config(steps: steps)
    c.lowResolution = LowResolutionPhase(size: 4, steps: 3)
    c.validationEvery = 0
    return c
  }

  /// Steps 1–3 are bit for bit those of a run on the 4 px glyphs (same initial weights: the
  /// sample size is no parameter's shape), step 4 onwards are not; and none of steps 1–3 is
  /// the full-size run's.
  @Test func theFirstStepsAreThoseOfTheDownsampledGlyphs() throws {
    let phased = try TrainingFixture.trainer(Self.config())
    let withPhase = try (0..<6).map { _ in try phased.step().loss.bitPattern }

    let glyphs = CaptionedGlyphs(images: TrainingFixture.images, captions: TrainingFixture.captions)
    let small = try glyphs.downsampled(to: 4)
    #expect(
      small.images.pixels
        == GlyphDownsample.box(TrainingFixture.images.pixels, count: 24, from: 8, to: 4))
    var smallShape = UNetConfig.test()
    smallShape.sampleSize = 4
    var rng = RandomStream(seed: 3, name: "init")
    var plain = Self.config()
    plain.lowResolution = nil
    let lowOnly = try Trainer(
      model: try UNet2DConditionModel(smallShape, stream: &rng), config: plain, examples: small)
    let atFour = try (0..<6).map { _ in try lowOnly.step().loss.bitPattern }
    #expect(Array(withPhase.prefix(3)) == Array(atFour.prefix(3)))
    #expect(withPhase[3] != atFour[3])

    let full = try TrainingFixture.trainer(plain)
    let atEight = try (0..<3).map { _ in try full.step().loss.bitPattern }
    #expect(zip(atEight, withPhase.prefix(3)).allSatisfy { $0 != $1 })
  }

  /// Stopped inside the phase (step 2) or after it (step 4), the resumed run makes the
  /// uninterrupted run's losses and weights bit for bit.
  @Test(arguments: [2, 4])
  func resumeIsExactAcrossTheSwitch(stopAt: Int) throws {
    let whole = try TrainingFixture.trainer(Self.config())
    let want = try (0..<6).map { _ in try whole.step().loss.bitPattern }

    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var head = Self.config(steps: stopAt)
    head.checkpointEvery = stopAt
    let first = try TrainingRun(trainer: try TrainingFixture.trainer(head), directory: dir)
    first.progress = { _ in }
    _ = try first.run()
    let resumed = try TrainingCheckpoint.resume(
      from: try #require(TrainingCheckpoint.latest(run: dir)), images: TrainingFixture.images,
      captions: TrainingFixture.captions, duration: .steps(6))
    #expect(resumed.config.lowResolution == LowResolutionPhase(size: 4, steps: 3))
    let tail = try (stopAt..<6).map { _ in try resumed.step().loss.bitPattern }
    #expect(tail == Array(want.dropFirst(stopAt)))
    #expect(TrainingFixture.weights(resumed.model) == TrainingFixture.weights(whole.model))
  }

  @Test func sizesTheNetworkCannotTakeAreRefusedByField() throws {
    for size in [8, 6] {
      var c = Self.config()
      c.lowResolution = LowResolutionPhase(size: size, steps: 3)
      do {
        _ = try TrainingFixture.trainer(c)
        Issue.record("\(size) px accepted for an 8 px network")
      } catch TrainingError.invalidConfig(let field, _) {
        #expect(field == "lowResolution")
      }
    }
    var c = Self.config()
    c.lowResolution = LowResolutionPhase(size: 2, steps: 3)
    do {
      try c.validate()
      Issue.record("2 px accepted")
    } catch TrainingError.invalidConfig(let field, _) {
      #expect(field == "lowResolution")
    }
    c.lowResolution = LowResolutionPhase(size: 4, steps: 3)
    let back = try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(c))
    #expect(back == c)
  }
}
