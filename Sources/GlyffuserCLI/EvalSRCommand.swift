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
    var named: [(String, URL)] = stages.map { spec in
      if let eq = spec.firstIndex(of: "=") {
        return (String(spec[..<eq]), URL(fileURLWithPath: String(spec[spec.index(after: eq)...])))
      }
      let url = URL(fileURLWithPath: spec)
      return (url.lastPathComponent, url)
    }
    if named.isEmpty {
      let shipped = ShippedModels.locate(ShippedModels.superResolution)
      if SuperResolutionStage.isStage(shipped) { named = [("shipped", shipped)] }
    }
    var loaded: [(String, SuperResolutionStage)] = []
    for (name, url) in named {
      var stage = try SuperResolutionStage.load(from: url)
      if let srSteps { stage.record.steps = srSteps }
      if let srSampler { stage.record.sampler = srSampler }
      loaded.append((name, stage))
    }
    let factor = loaded.first?.1.record.factor ?? 4
    for (name, stage) in loaded where stage.record.factor != factor {
      throw CLIError("stage \(name) upsamples ×\(stage.record.factor), the first ×\(factor)")
    }
    let low = data.size / factor
    var methods: [SuperResolutionEvaluation.Method] = [
      .interpolation(.bilinear, factor: factor, side: low),
      .interpolation(.bicubic, factor: factor, side: low),
    ]
    for (name, stage) in loaded {
      let steps =
        stage.record.objective == .regression
        ? "1 call" : "\(stage.record.sampler.rawValue) \(stage.record.steps) steps"
      methods.append(.stage(stage, name: "\(name) (\(steps))", batch: batch))
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
    print("| method | PSNR (dB) | stroke F1 | top-1 real | top-1 generated | ms / glyph |")
    print("|---|---|---|---|---|---|")
    for row in r.rows {
      print(
        String(
          format: "| %@ | %.2f | %.3f | %.3f | %@ | %.1f |", row.method, row.psnr, row.strokeF1,
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
