import Foundation
import Tensors
import Testing

@testable import Diffusion

@Suite struct TimestepDensityTests {
  let linear = try! NoiseSchedule()

  @Test func uniformDrawsExactlyAsNextInt() {
    let sampler = TimestepSampler(.uniform, alphasCumprod: linear.alphasCumprod)
    var a = RandomStream(seed: 5, name: "timestep")
    var b = a
    let drawn = (0..<1000).map { _ in sampler.draw(&a) }
    #expect(drawn == (0..<1000).map { _ in b.nextInt(below: 1000) })
  }

  /// The draws' log-SNR has the asked mean and spread: 20,000 draws, so the sample mean's
  /// standard error is σ/√20000 ≈ 0.014 for σ = 2, and the discretisation (λ steps of < 0.2
  /// where the density is) adds less than that.
  @Test(arguments: [(0.0, 2.0), (2.4, 2.4), (-1.0, 1.0)])
  func logSNRNormalDrawsHaveTheAskedMeanAndSpread(mean: Double, std: Double) {
    let sampler = TimestepSampler(
      .logSNRNormal(mean: mean, std: std), alphasCumprod: linear.alphasCumprod)
    var stream = RandomStream(seed: 11, name: "timestep")
    let lambdas = (0..<20_000).map { _ -> Double in
      let a = linear.alphasCumprod[sampler.draw(&stream)]
      return log(a / (1 - a))
    }
    let m = lambdas.reduce(0, +) / Double(lambdas.count)
    let s = (lambdas.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(lambdas.count))
      .squareRoot()
    #expect(abs(m - mean) < 0.08, "mean \(m), asked \(mean)")
    #expect(abs(s - std) < 0.08 * std, "std \(s), asked \(std)")
    let total = (0..<1000).map(sampler.probability(of:)).reduce(0, +)
    #expect(abs(total - 1) < 1e-12)
  }

  /// A zero-terminal-SNR schedule (ᾱ_T−1 = 0, λ = −∞): the last step gets no probability of its
  /// own, every probability is finite, and the first step (λ largest) takes the upper tail.
  @Test func infiniteLogSNRsAreTheTails() throws {
    var alphas = linear.alphasCumprod
    alphas[alphas.count - 1] = 0
    let sampler = TimestepSampler(.logSNRNormal(mean: 0, std: 2), alphasCumprod: alphas)
    let p = (0..<alphas.count).map(sampler.probability(of:))
    #expect(p.allSatisfy { $0.isFinite && $0 >= 0 })
    #expect(p[alphas.count - 1] == 0)
    #expect(p[0] > 0)
    var stream = RandomStream(seed: 1, name: "timestep")
    #expect((0..<5000).allSatisfy { _ in (0..<999).contains(sampler.draw(&stream)) })
  }

  @Test func theConfigNamesABadDensityAndRoundTrips() throws {
    var c = TrainingConfig()
    c.timestepDensity = .logSNRNormal(mean: 0, std: 2)
    c.optimizer.beta2 = 0.99
    let back = try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(c))
    #expect(back == c)
    c.timestepDensity = .logSNRNormal(mean: 0, std: 0)
    #expect(throws: TrainingError.self) { try c.validate() }
    c.timestepDensity = nil
    c.optimizer.beta2 = 1
    #expect(
      throws: TrainingError.invalidConfig(field: "optimizer.beta2", "must be in (0, 1), got 1.0")
    ) {
      try c.validate()
    }
  }

  /// A run with the density trains: the trainer carries it and every loss is finite.
  @Test func aRunWithTheDensityTrains() throws {
    var config = TrainingFixture.config(steps: 6)
    config.timestepDensity = .logSNRNormal(mean: 0, std: 2)
    let trainer = try TrainingFixture.trainer(config)
    #expect(trainer.timesteps.density == .logSNRNormal(mean: 0, std: 2))
    for _ in 0..<6 { #expect(try trainer.step().loss.isFinite) }
  }

  /// `train --logsnr-normal` and `--adam-beta2` refuse what they cannot use, naming the flag,
  /// before opening any file.
  @Test(.enabled(if: RealFaultTests.executable != nil, "glyffuser executable not built"))
  func badFlagsAreRefusedByName() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    for (flag, value) in [
      ("--logsnr-normal", "0"), ("--logsnr-normal", "0,-1"), ("--logsnr-normal", "a,2"),
      ("--logsnr-normal", "nan,2"), ("--adam-beta2", "1"),
    ] {
      let outcome = try RealFaultTests.run(
        ["train", "--dataset", root.path, "--out", root.path, "--steps", "1", flag, value],
        in: root)
      #expect(outcome.status != 0 && !outcome.signalled)
      #expect(outcome.stderr.contains("\(flag) must"), "\(flag) \(value): \(outcome.stderr)")
    }
  }
}
