import ArgumentParser
import Diffusion
import Foundation
import NN
import Tensors
import TextEncoding

/// `glyffuser bench smoke`: a minute-long check that nothing got several times slower. It times
/// what a user waits for — encoding 500 captions, 20 training steps of `tiny`, 16 glyphs of
/// `tiny` in 20 guided steps — and, in the same run, a reference: the CPU's fp32 matrix-product
/// speed (1024³ products). Each figure is also given relative to that reference, which
/// cancels most of the machine's speed (and of a noisy VM's slow spell), so a regression shows
/// on any machine. With `--baseline FILE` (a previous `--json` output) it fails when a figure is
/// `--max-slowdown` (3) times worse than the baseline's, in seconds and relative alike.
struct BenchSmokeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "smoke",
    abstract: "Encode, train and sample briefly; compare with a baseline relative to the CPU.")

  @Option(help: "A previous `bench smoke --json` output to compare with.") var baseline: String?
  @Option(help: "Fail when a figure is this many times slower than the baseline's.")
  var maxSlowdown = 3.0
  @Flag(help: "One JSON object instead of text.") var json = false

  /// One measured figure: seconds, and seconds × reference GFLOP/s (CPU-independent units).
  struct Figure: Codable {
    var name: String
    var seconds: Double
    var relative: Double
  }

  struct Report: Codable {
    var referenceGFLOPS: Double
    var figures: [Figure]
    var cpu: String
    enum CodingKeys: String, CodingKey {
      case figures, cpu
      case referenceGFLOPS = "reference_gflops"
    }
  }

  func run() throws {
    let reference = Self.referenceGFLOPS()
    var figures: [Figure] = []
    func add(_ name: String, _ seconds: Double) {
      figures.append(Figure(name: name, seconds: seconds, relative: seconds * reference))
    }
    if let encoder = try? TextEncoder.load() {
      let captions = (0..<500).map {
        "caption \($0): gold, water and a tree by the river \($0 % 7)"
      }
      _ = encoder.encode(Array(captions.prefix(8)))
      add(
        "encode 500 captions",
        Self.time {
          for b in stride(from: 0, to: 500, by: 64) {
            _ = encoder.encode(Array(captions[b..<min(500, b + 64)]))
          }
        })
    } else {
      FileHandle.standardError.write(
        Data("bench smoke: the text encoder is not installed; encoding not timed\n".utf8))
    }
    add("train tiny, 20 steps of 32", try Self.trainSeconds())
    add("sample tiny, 16 glyphs × 20 steps", try Self.sampleSeconds())
    let report = Report(
      referenceGFLOPS: reference, figures: figures, cpu: Self.cpuModel())
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(String(format: "reference: fp32 1024³ matrix product at %.1f GFLOP/s", reference))
      for f in figures {
        print(
          f.name.padding(toLength: 36, withPad: " ", startingAt: 0)
            + String(format: "%8.2f s  %10.1f (s × reference GFLOP/s)", f.seconds, f.relative))
      }
    }
    guard let baseline else { return }
    let base = try JSONDecoder().decode(
      Report.self, from: try Data(contentsOf: URL(fileURLWithPath: baseline)))
    // A figure fails when it is `maxSlowdown` times slower both in seconds and relative to the
    // reference: a real regression shows in both, while this VM's noise (the reference alone
    // moves by up to 2× between runs) rarely reaches the threshold in both at once.
    var failures: [String] = []
    for f in figures {
      guard let b = base.figures.first(where: { $0.name == f.name }) else { continue }
      let relative = f.relative / b.relative
      let seconds = f.seconds / b.seconds
      FileHandle.standardError.write(
        Data(
          (f.name
            + String(format: ": %.2f× the baseline's time, %.2f× relative\n", seconds, relative))
            .utf8))
      if relative >= maxSlowdown && seconds >= maxSlowdown { failures.append(f.name) }
    }
    if !failures.isEmpty {
      throw CLIError(
        "bench smoke: \(failures.joined(separator: ", ")) \(maxSlowdown)× or more slower than "
          + "\(baseline), relative to this CPU's matrix-product speed")
    }
  }

  /// The `model name` line of /proc/cpuinfo.
  static func cpuModel() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
    return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }
      .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
  }

  static func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// The best of 10 fp32 1024³ products after half a second of them (this VM's cores take that
  /// long to reach full speed), in GFLOP/s.
  static func referenceGFLOPS() -> Double {
    let n = 1024
    var rng = RandomStream(seed: 0, name: "reference")
    let a = Tensor.randomNormal([n, n], stream: &rng)
    let b = Tensor.randomNormal([n, n], stream: &rng)
    return ComputePrecision.with(.f32) {
      withNoGrad {
        let warm = DispatchTime.now().uptimeNanoseconds
        while DispatchTime.now().uptimeNanoseconds - warm < 500_000_000 { _ = a.matmul(b) }
        let best = (0..<10).map { _ in time { _ = a.matmul(b) } }.min()!
        return 2 * Double(n * n * n) / best / 1e9
      }
    }
  }

  static func trainSeconds() throws -> Double {
    let config = try UNetConfig.preset(named: "tiny")
    var rng = RandomStream(seed: 0, name: "init")
    let model = try UNet2DConditionModel(config, stream: &rng)
    let optimizer = AdamW(model)
    var data = RandomStream(seed: 0, name: "data")
    let x = Tensor.randomNormal([32, 32, 32, 1], stream: &data)
    let eps = Tensor.randomNormal([32, 32, 32, 1], stream: &data)
    let text = Tensor.randomNormal([32, 16, config.textDim], stream: &data)
    let t = (0..<32).map { Float(($0 * 37) % 1000) }
    func step() {
      let loss = model(x, timesteps: t, text: text, mask: nil).mseLoss(eps)
      model.zeroGrad()
      loss.backward()
      clipGradNorm(model.parameters, maxNorm: 1)
      optimizer.step(lr: 1e-4)
    }
    step()
    // 20 × the median step: robust to a few steps caught in another process's burst.
    let steps = (0..<20).map { _ in time { step() } }.sorted()
    return 20 * steps[10]
  }

  static func sampleSeconds() throws -> Double {
    let config = try UNetConfig.preset(named: "tiny")
    var rng = RandomStream(seed: 0, name: "init")
    let unet = try UNet2DConditionModel(config, stream: &rng)
    let schedule = try NoiseSchedule(.linear(start: 1e-4, end: 0.02), trainTimesteps: 1000)
    let pipeline = GlyphPipeline(
      unet: unet, settings: SamplerName.dpmpp2m.settings(schedule: schedule))
    var text = RandomStream(seed: 1, name: "text")
    let prompts = GlyphPipeline.Conditioning(
      text: Tensor.randomNormal([16, 16, config.textDim], stream: &text),
      mask: Tensor.ones([16, 16]))
    let empty = GlyphPipeline.Conditioning(
      text: Tensor.randomNormal([1, 2, config.textDim], stream: &text), mask: Tensor.ones([1, 2]))
    _ = try pipeline.generate(prompts: prompts, empty: empty, steps: 1, guidance: 3, seed: 0)
    return try (0..<2).map { _ in
      try time {
        _ = try pipeline.generate(prompts: prompts, empty: empty, steps: 20, guidance: 3, seed: 0)
      }
    }.min()!
  }
}
