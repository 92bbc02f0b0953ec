import ArgumentParser
import Diffusion
import Explain
import Foundation
import Imaging
import Tensors

/// `glyffuser plot RUN`: loss curves from a run's `metrics.jsonl` (training loss per step, its
/// moving average, and the validation loss with the training and the EMA weights), log-scale
/// loss axis, to PNG; and, when the run was evaluated (`train --eval-every`), radical adherence
/// and FD against step and against training minutes, to `RUN/eval.png`. With several runs
/// (`glyffuser plot RUN1 RUN2 … --out PNG`), their evaluation curves on shared axes instead.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Draw a training run's loss (and evaluation) curves to PNG.")

  @Argument(help: "Run folder (holding metrics.jsonl); several: their evaluations compared.")
  var runFolders: [String]
  @Option(help: "Output PNG (default: RUN/loss.png; required with several runs).")
  var out: String?
  @Option(help: "A legend label per run, in order (default: the folders' names).")
  var label: [String] = []
  @Option(help: "Output PNG of the evaluation curves (default: RUN/eval.png).") var evalOut: String?
  @Option(help: "Moving-average window for the training loss, in steps.") var window = 50

  func validate() throws {
    guard !runFolders.isEmpty else { throw ValidationError("give a run folder") }
    guard runFolders.count == 1 || out != nil else {
      throw ValidationError("comparing \(runFolders.count) runs needs --out PNG")
    }
    guard label.isEmpty || label.count == runFolders.count else {
      throw ValidationError("give one --label per run (\(runFolders.count)), or none")
    }
  }

  func run() throws {
    if runFolders.count > 1 { return try compare() }
    let runFolder = runFolders[0]
    let metrics = try read(runFolder)
    guard !metrics.isEmpty else { throw CLIError("\(runFolder)/metrics.jsonl: no steps yet") }
    let figure = TrainingCurves.loss(metrics, title: "Training loss — \(runFolder)", window: window)
    let path = out ?? URL(fileURLWithPath: runFolder).appendingPathComponent("loss.png").path
    try AtomicFile.write(
      try PNGEncoder.encode(try figure.render()), to: URL(fileURLWithPath: path))
    print("wrote \(path)")

    let evaluated = metrics.filter { $0.eval != nil }
    guard !evaluated.isEmpty else { return }
    let evalPath =
      evalOut ?? URL(fileURLWithPath: runFolder).appendingPathComponent("eval.png").path
    try AtomicFile.write(
      try PNGEncoder.encode(try TrainingCurves.evaluation(evaluated)),
      to: URL(fileURLWithPath: evalPath))
    print("wrote \(evalPath)")
  }

  func read(_ runFolder: String) throws -> [StepMetrics] {
    do {
      return try TrainingMetrics.read(run: URL(fileURLWithPath: runFolder))
    } catch { throw CLIError("\(error)") }
  }

  /// The evaluation curves of several runs on shared axes; the batch size, for images seen,
  /// comes from each run's newest checkpoint.
  func compare() throws {
    var runs: [(label: String, batch: Int, evaluated: [StepMetrics])] = []
    for (i, folder) in runFolders.enumerated() {
      let evaluated = try read(folder).filter { $0.eval != nil }
      guard !evaluated.isEmpty else {
        throw CLIError("\(folder)/metrics.jsonl: no evaluations (train --eval-every)")
      }
      let url = URL(fileURLWithPath: folder)
      guard let checkpoint = TrainingCheckpoint.latest(run: url) else {
        throw CLIError("\(folder): no checkpoint to read the batch size from")
      }
      let batch = try TrainingCheckpoint.storedConfig(at: checkpoint).batchSize
      runs.append((label.isEmpty ? url.lastPathComponent : label[i], batch, evaluated))
    }
    let path = out!
    try AtomicFile.write(
      try PNGEncoder.encode(try TrainingCurves.comparison(runs)), to: URL(fileURLWithPath: path))
    print("wrote \(path)")
  }
}
