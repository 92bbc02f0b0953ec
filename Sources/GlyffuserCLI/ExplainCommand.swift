import ArgumentParser
import Diffusion
import Explain
import Foundation

/// `glyffuser explain <figure>|all`: the seed article's figures drawn from the user's own data
/// set and model. `all` draws every figure whose inputs were given and writes `index.html`.
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Draw the article's figures (what diffusion models learn) from a data set and model.",
    discussion: """
      Figures, in the article's order: \(ExplainFigures.all.map { $0.name }.joined(separator: ", ")).
      `all` draws every figure whose inputs are given and writes index.html.
      """)

  @Argument(help: "A figure name, or `all`.") var figure: String
  @Option(help: "Data set folder (from `glyffuser dataset build`).") var dataset: String?
  @Option(help: ArgumentHelp(stringLiteral: ModelOption.help)) var model: String?
  @Option(help: "Text encoder name or folder (default: the one the model was trained with).")
  var encoder: String?
  @Option(help: "Output folder.") var out = "explain"
  @Option(help: "Seed for every random draw (Philox streams).") var seed: UInt64 = 0
  @Flag(help: "Smaller, faster figures (tests).") var quick = false
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?

  func validate() throws {
    if figure != "all" && ExplainFigures.named(figure) == nil {
      throw ValidationError(
        ExplainError.unknownFigure(figure, valid: ExplainFigures.all.map { $0.name }).description)
    }
    if let one = ExplainFigures.named(figure), let missing = missingInputs(one, context).first {
      throw ValidationError(
        ExplainError.missingInput(figure: one.name, input: missing).description)
    }
  }

  var context: ExplainContext {
    ExplainContext(
      dataset: dataset.map { URL(fileURLWithPath: $0) },
      model: ModelOption.optionalFolder(model), encoder: encoder,
      out: URL(fileURLWithPath: out), seed: seed, quick: quick)
  }

  func run() throws {
    try PrecisionFlag.apply(precision, for: .inference)
    let context = context
    if let one = ExplainFigures.named(figure) {
      for file in try draw(one, context) { print("wrote \(path(file))") }
      return
    }
    var entries: [IndexPage.Entry] = []
    var skipped: [String: [String]] = [:]
    var failed: [String] = []
    for f in ExplainFigures.all {
      let missing = missingInputs(f, context)
      if !missing.isEmpty {
        let flags = missing.map { "--\($0.rawValue)" }.joined(separator: " and ")
        skipped[flags, default: []].append(f.name)
        entries.append(
          .init(name: f.name, caption: f.caption, files: [], skipped: "needs \(flags)"))
        continue
      }
      do {
        let files = try draw(f, context)
        for file in files { print("wrote \(path(file))") }
        entries.append(.init(name: f.name, caption: f.caption, files: files))
      } catch {
        warn("\(f.name): \(error)")
        failed.append(f.name)
        entries.append(
          .init(name: f.name, caption: f.caption, files: [], skipped: "failed: \(error)"))
      }
    }
    let index = try IndexPage.write(entries, to: context.out)
    print("wrote \(index.path)")
    for (flags, names) in skipped.sorted(by: { $0.key < $1.key }) {
      print(
        "skipped \(names.joined(separator: ", ")): \(names.count == 1 ? "needs" : "need") \(flags)")
    }
    if !failed.isEmpty { throw ExitCode.failure }
  }

  func missingInputs(_ f: any ExplainFigure.Type, _ c: ExplainContext) -> [ExplainInput] {
    [ExplainInput.dataset, .model].filter { input in
      f.needs.contains(input) && (input == .dataset ? c.dataset == nil : c.model == nil)
    }
  }

  func draw(_ f: any ExplainFigure.Type, _ c: ExplainContext) throws -> [String] {
    let start = Date()
    let files = try f.render(c)
    FileHandle.standardError.write(
      Data(String(format: "%@: %.1f s\n", f.name, Date().timeIntervalSince(start)).utf8))
    return files
  }

  func path(_ file: String) -> String { (out as NSString).appendingPathComponent(file) }
}
