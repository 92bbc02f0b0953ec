import ArgumentParser
import Diffusion
import Explain

/// The sampling options `generate` and `compare` share, checked at the edge: every loop over
/// them is bounded before any work starts.
struct SamplingOptions: ParsableArguments {
  @Option(help: "Images per prompt (1…1024).") var count = 8
  @Option(help: "Sampling steps (1…1000).") var steps = 20
  @Option(help: "Sampler: \(SamplerName.allCases.map(\.rawValue).joined(separator: ", ")).")
  var sampler: SamplerName = .dpmpp2m
  @Option(help: "Classifier-free guidance scale (1 = off).") var guidance: Float = 3
  @Option(help: "Seed of the first image; image i of prompt p uses seed + p·count + i.")
  var seed: UInt64 = 0
  @Option(help: "Images per U-Net batch (1…1024).") var batch = 16

  func validate() throws {
    guard (1...1024).contains(count), (1...1024).contains(batch) else {
      throw ValidationError("--count and --batch must be in 1…1024")
    }
    guard (1...1000).contains(steps) else { throw ValidationError("--steps must be in 1…1000") }
    guard guidance >= 0, guidance.isFinite else { throw ValidationError("--guidance must be ≥ 0") }
  }

  /// The prompt rows these options draw with `generator`.
  func rows(_ generator: GlyphGenerator) -> PromptRows {
    PromptRows(
      generator: generator, count: count, batch: batch, steps: steps, guidance: guidance,
      seed: seed)
  }

  /// The sampler's settings for a model's schedule, for `GlyphGenerator`.
  func settings(schedule: NoiseSchedule) -> SamplerSettings { sampler.settings(schedule: schedule) }

  /// "dpmpp-2m, 20 steps, guidance 3.0, seed 0", for the line a command prints.
  var summary: String { "\(sampler.rawValue), \(steps) steps, guidance \(guidance), seed \(seed)" }
}
