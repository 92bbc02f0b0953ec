import ArgumentParser
import Diffusion
import Foundation
import Tensors

/// `glyffuser bench sample`: sampling speed of a preset (random weights and text; the cost does
/// not depend on the values): seconds per U-Net evaluation with guidance (2× batch), and peak
/// resident memory.
struct BenchSampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample", abstract: "Sampling speed: time per U-Net evaluation of a preset.")

  @Option(help: "Preset: tiny, small, glyffuser.") var preset = "small"
  @Option(help: "Sampler.") var sampler: SamplerName = .dpmpp2m
  @Option(help: "Steps.") var steps = 20
  @Option(help: "Images per batch.") var batch = 16
  @Option(help: "Guidance scale (≠ 1 doubles the U-Net batch).") var guidance: Float = 3
  @Option(help: "Text tokens per prompt.") var tokens = 16
  @Flag(help: "One JSON object instead of text.") var json = false
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?

  func run() throws {
    try PrecisionFlag.apply(precision, for: .inference)
    let config = try UNetConfig.preset(named: preset)
    var rng = RandomStream(seed: 0, name: "init")
    let unet = try UNet2DConditionModel(config, stream: &rng)
    let schedule = try NoiseSchedule(.linear(start: 1e-4, end: 0.02), trainTimesteps: 1000)
    let pipeline = GlyphPipeline(unet: unet, settings: sampler.settings(schedule: schedule))
    var text = RandomStream(seed: 1, name: "text")
    let prompts = GlyphPipeline.Conditioning(
      text: Tensor.randomNormal([batch, tokens, config.textDim], stream: &text),
      mask: Tensor.ones([batch, tokens]))
    let empty = GlyphPipeline.Conditioning(
      text: Tensor.randomNormal([1, 2, config.textDim], stream: &text), mask: Tensor.ones([1, 2]))
    // Warm-up (plans, buffer pool), then one timed run.
    _ = try pipeline.generate(prompts: prompts, empty: empty, steps: 1, guidance: guidance, seed: 0)
    var evaluations = 0
    let start = DispatchTime.now().uptimeNanoseconds
    _ = try pipeline.generate(
      prompts: prompts, empty: empty, steps: steps, guidance: guidance, seed: 0,
      onStep: { _ in evaluations += 1 })
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let perEval = seconds / Double(max(evaluations, 1))
    let peak = PeakMemory.residentMiB()
    if json {
      print(
        #"{"bench": "sample", "preset": "\#(preset)", "sampler": "\#(sampler.rawValue)", "steps": \#(steps), "batch": \#(batch), "guidance": \#(guidance), "dtype": "\#(ComputePrecision.current.rawValue)", "seconds": \#(seconds), "s_per_unet_eval": \#(perEval), "img_per_s": \#(Double(batch) / seconds), "peak_rss_mib": \#(peak), "requested": "\#(precision?.rawValue ?? "default")", \#(BenchMachine.jsonFields)}"#
      )
    } else {
      print(
        String(
          format:
            "sample %@ batch %d, %d steps %@: %.2f s (%.3f s per U-Net evaluation), peak RSS %d MiB",
          preset, batch, steps, sampler.rawValue, seconds, perEval, peak))
    }
  }
}

/// Peak resident set size of this process (`VmHWM` in /proc/self/status), MiB.
enum PeakMemory {
  static func residentMiB() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
      return 0
    }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
      return kb / 1024
    }
    return 0
  }
}
