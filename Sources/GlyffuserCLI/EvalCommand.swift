import ArgumentParser
import Diffusion
import Evaluation
import Foundation
import GlyphData
import Imaging
import JobControl
import Tensors

/// `glyffuser eval`: how good a model is, as numbers (see `EvalReport`).
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Measure a model: radical adherence on held-out definitions, FD/KID, "
      + "precision/recall and novelty, scored by the shipped glyph judge.")

  @Option(help: ArgumentHelp(stringLiteral: ModelOption.help)) var model: String?
  @Option(help: "Data set folder with labels (its validation split is never trained on).")
  var dataset: String
  @Option(help: "Judge folder.") var judge = JudgeFolder.shippedPath
  @Option(help: "Held-out characters scored.") var characters = 512
  @Option(help: "Glyphs generated per held-out definition.") var perPrompt = 2
  @Option(help: "Glyphs per family prompt (0: no family table).") var perFamily = 8
  @Option(help: "Unconditional samples for the floor (default: one per character, at most 256).")
  var unconditional: Int?
  @Option(help: "Sampler: \(SamplerName.allCases.map(\.rawValue).joined(separator: ", ")).")
  var sampler: SamplerName = .dpmpp2m
  @Option(help: "Sampling steps.") var steps = 20
  @Option(help: "Classifier-free guidance scale.") var guidance: Float = 3
  @Option(help: "Seed (sample i of a set uses seed + offset + i).") var seed: UInt64 = 0
  @Option(help: "Glyphs per U-Net batch.") var batch = 64
  @Option(help: "Text encoder name or folder (default: the model's).") var encoder: String?
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?
  @Flag(help: "Print one JSON object with the metrics, settings, digests and timings.")
  var json = false
  @Option(help: "Write eval.json, report.png and the glyph grids into this folder.")
  var out: String?

  func run() throws {
    var options = EvalOptions()
    options.characters = characters
    options.perPrompt = perPrompt
    options.perFamily = perFamily
    options.unconditional = unconditional
    options.sampler = sampler
    options.steps = steps
    options.guidance = guidance
    options.seed = seed
    options.batch = batch
    try options.validate()
    try PrecisionFlag.apply(precision, for: .inference)
    let modelURL = try ModelOption.folder(model)
    guard
      FileManager.default.fileExists(
        atPath: modelURL.appendingPathComponent("config.json").path)
    else {
      throw CLIError(
        "\(modelURL.path): not a model folder (no config.json); train one with `glyffuser train` "
          + "or pass the folder it wrote (e.g. runs/NAME/model)")
    }
    let data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset))
    var evaluation = try GlyphEvaluation(
      model: modelURL, judge: ShippedModels.locate(judge), dataset: data, options: options,
      encoder: encoder)
    let interrupt = InterruptFlag()
    evaluation.shouldStop = { interrupt.isSet }
    evaluation.progress = ProgressLine.handler()
    let (report, details, glyphs) = try evaluation.run()
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    if let out {
      try EvalOutput.write(report: report, details: details, glyphs: glyphs, to: out)
    }
    if json {
      print(try EvalOutput.json(report))
    } else {
      print(EvalOutput.summary(report, details))
      if let out { print("wrote \(out)/eval.json, report.png, generated.png, families.png") }
    }
  }
}

/// Files and text of an evaluation (also used by `train --eval-every`).
enum EvalOutput {
  static func json(_ report: EvalReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(report), as: UTF8.self)
  }

  static func write(report: EvalReport, details: EvalDetails, glyphs: EvalGlyphs, to out: String)
    throws
  {
    let dir = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    struct Full: Encodable {
      let report: EvalReport
      let details: EvalDetails
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    try AtomicFile.write(
      try encoder.encode(Full(report: report, details: details)),
      to: dir.appendingPathComponent("eval.json"))
    func png(_ image: RasterImage, _ name: String) throws {
      try AtomicFile.write(try PNGEncoder.encode(image), to: dir.appendingPathComponent(name))
    }
    try png(
      try EvalReportImage.render(report: report, details: details, glyphs: glyphs), "report.png")
    if let grid = try EvalReportImage.grid(
      glyphs.generated, prompts: glyphs.generatedPrompts, size: glyphs.size,
      perRow: report.settings.perPrompt, maxRows: 32)
    {
      try png(grid, "generated.png")
    }
    if let grid = try EvalReportImage.grid(
      glyphs.family, prompts: glyphs.familyPrompts, size: glyphs.size,
      perRow: report.settings.perFamily, maxRows: 32)
    {
      try png(grid, "families.png")
    }
  }

  static func summary(_ r: EvalReport, _ d: EvalDetails) -> String {
    var lines = [
      String(
        format: "radical adherence: top-1 %.3f, top-5 %.3f (real glyphs %.3f, unconditional %.3f,"
          + " prior chance %.3f)", r.radicalTop1, r.radicalTop5, r.radicalTop1Real,
        r.radicalTop1Uncond, d.radicalPriorChance),
      String(format: "FD %.3f (real-vs-real floor %.3f)", r.fd, r.fdRealFloor),
      String(format: "KID %.5f ± %.5f", r.kid, r.kidStd),
      String(format: "precision %.3f, recall %.3f", r.precision, r.recall),
      String(
        format: "copies %.3f (pixel; feature %.3f; threshold %.3f; median nearest distance %.3f "
          + "generated, %.3f real)", r.copies, d.copiesFeature, d.copyThreshold,
        d.medianDistanceGenerated, d.medianDistanceReal),
    ]
    if !d.family.isEmpty {
      lines.append(
        "family adherence: "
          + d.family.map { $0.prompt + String(format: " %.2f", $0.adherence) }.joined(
            separator: ", "))
    }
    lines.append(
      String(format: "%.0f s (", r.seconds)
        + r.timings.sorted { $0.key < $1.key }.map { $0.key + String(format: " %.1f", $0.value) }
        .joined(separator: ", ") + ")")
    return lines.joined(separator: "\n")
  }
}
