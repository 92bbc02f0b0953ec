import ArgumentParser
import Diffusion
import Evaluation
import Explain
import Foundation
import GlyphData
import Imaging
import JobControl
import Tensors

/// `glyffuser eval-sr`: upsamplers compared on held-out real glyphs (PSNR, stroke F1, judge) and
/// on a base model's glyphs (judge before and after), with per-glyph cost and comparison sheets.
struct EvalSRCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval-sr",
    abstract: "Measure super-resolution stages against bilinear and bicubic upsampling.")

  @Option(help: "High-resolution data set with labels (e.g. built with --size 128).")
  var dataset: String
  @Option(
    name: .customLong("stage"),
    help:
      "Super-resolution stage folder, as DIR or NAME=DIR (repeatable); default: the shipped stage.")
  var stages: [String] = []
  @Option(help: "Base model whose glyphs are upsampled too (default: the shipped model).")
  var model: String?
  @Flag(help: "Skip the generated glyphs (real glyphs only).") var noBase = false
  @Option(help: "Held-out characters.") var characters = 256
  @Option(help: "Stage sampling steps (default: each stage's own).") var srSteps: Int?
  @Option(help: "Stage sampler (default: each stage's own).") var srSampler: SamplerName?
  @Option(help: "Noise added to the input before upsampling (default: each stage's own).")
  var srAugmentation: Float?
  @Option(help: "Glyphs per stage batch.") var batch = 16
  @Option(help: "Seed (glyph i uses seed + i).") var seed: UInt64 = 0
  @Option(help: "Judge folder.") var judge = JudgeFolder.shippedPath
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?
  @Option(help: "Write sr-eval.json and the comparison sheets into this folder.") var out: String?

  func run() throws {
    try PrecisionFlag.apply(precision, for: .inference)
    let data: GlyphDataset
    do {
      data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset, isDirectory: true))
    } catch { throw CLIError("\(error)") }
    // NAME=DIR, or NAME=DIR1+DIR2 for a cascade of stages run one after another.
    var named: [(String, [URL])] = stages.map { spec in
      var name: String? = nil
      var dirs = Substring(spec)
      if let eq = spec.firstIndex(of: "=") {
        name = String(spec[..<eq])
        dirs = spec[spec.index(after: eq)...]
      }
      let urls = dirs.split(separator: "+").map { URL(fileURLWithPath: String($0)) }
      return (name ?? urls.map(\.lastPathComponent).joined(separator: "+"), urls)
    }
    if named.isEmpty {
      let shipped = ShippedModels.locate(ShippedModels.superResolution)
      if SuperResolutionStage.isStage(shipped) { named = [("shipped", [shipped])] }
    }
    var loaded: [(String, [SuperResolutionStage])] = []
    for (name, urls) in named {
      var chain: [SuperResolutionStage] = []
      for url in urls {
        var stage = try SuperResolutionStage.load(from: url)
        if let srSteps { stage.record.steps = srSteps }
        if let srSampler { stage.record.sampler = srSampler }
        if let srAugmentation {
          guard srAugmentation.isFinite, (0...1).contains(srAugmentation) else {
            throw ValidationError("--sr-augmentation must be in 0…1")
          }
          stage.record.sampleAugmentation = srAugmentation
        }
        if let last = chain.last, last.size != stage.record.lowResolution {
          throw CLIError(
            "\(url.path) upsamples \(stage.record.lowResolution) px glyphs, the stage before it "
              + "makes \(last.size) px")
        }
        chain.append(stage)
      }
      if !chain.isEmpty { loaded.append((name, chain)) }
    }
    let factor = loaded.first.map { $0.1.last!.size / $0.1[0].record.lowResolution } ?? 4
    for (name, chain) in loaded where chain.last!.size / chain[0].record.lowResolution != factor {
      throw CLIError("\(name) does not upsample ×\(factor) as the first stage given does")
    }
    let low = data.size / factor
    var methods: [SuperResolutionEvaluation.Method] = [
      .interpolation(.bilinear, factor: factor, side: low),
      .interpolation(.bicubic, factor: factor, side: low),
    ]
    for (name, chain) in loaded {
      let steps = chain.map(\.samplingSummary)
      methods.append(
        .stages(chain, name: "\(name) (\(steps.joined(separator: " + ")))", batch: batch))
    }
    let base: GlyphGenerator? =
      noBase ? nil : try GlyphGenerator(model: try ModelOption.folder(model))
    var evaluation = try SuperResolutionEvaluation(
      dataset: data, judge: try JudgeFolder.load(from: ShippedModels.locate(judge)),
      factor: factor, characters: characters)
    evaluation.progress = { p in
      FileHandle.standardError.write(
        Data("\r\(p.stage) \(p.done)/\(p.total) \(p.detail)\u{1B}[K".utf8))
    }
    let result = try evaluation.run(methods: methods, base: base, seed: seed)
    FileHandle.standardError.write(Data("\n".utf8))
    let r = result.report
    print(
      "\(r.characters) held-out characters, \(r.lowResolution) → \(r.highResolution) px; judge "
        + "radical top-1 of the \(r.lowResolution) px real glyphs "
        + String(format: "%.3f", r.radicalTop1RealLow)
        + (r.radicalTop1GeneratedBase.map { String(format: ", of the base model's %.3f", $0) } ?? "")
    )
    print(
      "| method | PSNR (dB) | outline F1, 1 px | outline F1, exact | top-1 real | top-1 generated "
        + "| ms / glyph |")
    print("|---|---|---|---|---|---|---|")
    for row in r.rows {
      print(
        String(
          format: "| %@ | %.2f | %.3f | %.3f | %.3f | %@ | %.1f |", row.method, row.psnr,
          row.strokeF1, row.strokeF1Exact,
          row.radicalTop1Real,
          row.radicalTop1Generated.map { String(format: "%.3f", $0) } ?? "–",
          row.secondsPerGlyph * 1000))
    }
    guard let out else { return }
    let dir = URL(fileURLWithPath: out, isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(try encoder.encode(r), to: dir.appendingPathComponent("sr-eval.json"))
    let shown = min(8, r.characters)
    let chosen = try GlyphEvaluation.heldOut(data, count: shown)
    try writeSheet(
      inputs: result.low, outputs: result.real, real: data.pixels(of: chosen), methods: methods,
      shown: shown, low: low, high: data.size,
      to: dir.appendingPathComponent("sheet-real.png"))
    if !result.baseGlyphs.isEmpty {
      try writeSheet(
        inputs: result.baseGlyphs, outputs: result.generated, real: nil, methods: methods,
        shown: shown, low: low, high: data.size,
        to: dir.appendingPathComponent("sheet-generated.png"))
    }
    print("wrote \(dir.path)/sr-eval.json and the sheets")
  }

  /// Rows of glyphs: the input (pixels repeated), each method's output, the real glyph.
  func writeSheet(
    inputs: [UInt8], outputs: [[UInt8]], real: [UInt8]?,
    methods: [SuperResolutionEvaluation.Method],
    shown: Int, low: Int, high: Int, to url: URL
  ) throws {
    var images: [RasterImage] = []
    var labels: [String] = []
    let f = high / low
    for i in 0..<shown {
      let input = RasterImage(
        width: low, height: low, format: .grey,
        pixels: Array(inputs[i * low * low..<(i + 1) * low * low]))
      var row = [GlyphImages.upscaled(input, by: f)]
      for o in outputs {
        row.append(
          RasterImage(
            width: high, height: high, format: .grey,
            pixels: Array(o[i * high * high..<(i + 1) * high * high])))
      }
      if let real {
        row.append(
          RasterImage(
            width: high, height: high, format: .grey,
            pixels: Array(real[i * high * high..<(i + 1) * high * high])))
      }
      images += row
      let names = ["\(low) px input"] + methods.map(\.name) + (real == nil ? [] : ["real"])
      labels += i == 0 ? names : Array(repeating: "", count: names.count)
    }
    let sheet = try ImageGrid.make(
      images: images, columns: images.count / shown, labels: labels, labelSize: 12)
    try AtomicFile.write(try PNGEncoder.encode(sheet), to: url)
  }
}
