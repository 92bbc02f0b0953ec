import ArgumentParser
import Diffusion
import Evaluation
import Explain
import Foundation
import Imaging
import Tensors

/// `glyffuser compare`: the same prompts and seeds drawn by several models, side by side, each
/// panel titled with its label and, when given, the numbers of its `glyffuser eval` — how
/// `make demo` shows the shipped model beside the one it has just trained.
struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Draw the same prompts and seeds with several models, side by side.")

  @Option(name: .customLong("model"), help: "Model folder (repeat: one panel per model).")
  var models: [String]
  @Option(name: .customLong("label"), help: "Panel title, in --model order (default: the folder).")
  var labels: [String] = []
  @Option(
    name: .customLong("eval"),
    help: "eval.json of each model (from `glyffuser eval --out`), in --model order.")
  var evals: [String] = []
  @Argument(help: "Prompts, e.g. \"gold\" \"water\".") var prompts: [String]
  @OptionGroup var sampling: SamplingOptions
  @Option(help: "Output PNG.") var out = "compare.png"
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?

  func validate() throws {
    guard (1...8).contains(models.count) else { throw ValidationError("give 1 to 8 --model") }
    guard labels.isEmpty || labels.count == models.count else {
      throw ValidationError("give one --label per --model (\(models.count)), or none")
    }
    guard evals.isEmpty || evals.count == models.count else {
      throw ValidationError("give one --eval per --model (\(models.count)), or none")
    }
    guard (1...64).contains(prompts.count), sampling.count <= 64 else {
      throw ValidationError("give 1 to 64 prompts and a --count of at most 64")
    }
  }

  func run() throws {
    try PrecisionFlag.apply(precision, for: .inference)
    var panels: [RasterImage] = []
    var titles: [[String]] = []
    for (m, model) in models.enumerated() {
      let generator = try GlyphGenerator(
        model: URL(fileURLWithPath: model), encoder: nil,
        sampler: sampling.settings)
      let drawing = sampling.rows(generator)
      panels.append(try drawing.grid(try drawing.drawShowingProgress(prompts), prompts: prompts))
      var lines = [labels.isEmpty ? model : labels[m]]
      if let steps = generator.record.trainingSteps { lines.append("trained \(steps) steps") }
      if !evals.isEmpty { lines += try Self.evalLines(evals[m]) }
      titles.append(lines)
    }
    let image = try ImageGrid.sideBySide(panels, titles: titles)
    try AtomicFile.write(try PNGEncoder.encode(image), to: URL(fileURLWithPath: out))
    print(
      "wrote \(out): \(sampling.summary) "
        + "(image i of prompt p uses seed + p·count + i in every panel)")
  }

  /// The eval numbers a panel shows, from an `eval.json` written by `glyffuser eval --out`.
  static func evalLines(_ path: String) throws -> [String] {
    struct File: Decodable { let report: EvalReport }
    let report: EvalReport
    do {
      report = try JSONDecoder().decode(
        File.self, from: try Data(contentsOf: URL(fileURLWithPath: path))
      ).report
    } catch {
      throw CLIError("\(path): not an eval.json of `glyffuser eval --out`: \(error)")
    }
    let s = report.settings
    return [
      String(
        format: "radical top-1 %.3f (floor %.3f, ceiling %.3f)", report.radicalTop1,
        report.radicalTop1Uncond, report.radicalTop1Real),
      String(
        format: "FD %.0f (real vs real %.0f) · copies %.1f %%", report.fd, report.fdRealFloor,
        100 * report.copies),
      "eval: \(s.characters) held-out × \(s.perPrompt), \(s.sampler.rawValue) \(s.steps) steps",
    ]
  }
}
