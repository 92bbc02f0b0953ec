import ArgumentParser
import Diffusion
import Explain
import Foundation
import Imaging
import Tensors

/// `glyffuser plot RUN`: loss curves from a run's `metrics.jsonl` (training loss per step, its
/// moving average, and the validation loss with the training and the EMA weights), log-scale
/// loss axis, to PNG; and, when the run was evaluated (`train --eval-every`), radical adherence
/// and FD against step and against training minutes, to `RUN/eval.png`.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Draw a training run's loss (and evaluation) curves to PNG.")

  @Argument(help: "Run folder (holding metrics.jsonl).") var runFolder: String
  @Option(help: "Output PNG (default: RUN/loss.png).") var out: String?
  @Option(help: "Output PNG of the evaluation curves (default: RUN/eval.png).") var evalOut: String?
  @Option(help: "Moving-average window for the training loss, in steps.") var window = 50

  func run() throws {
    let metrics: [StepMetrics]
    do {
      metrics = try TrainingMetrics.read(run: URL(fileURLWithPath: runFolder))
    } catch { throw CLIError("\(error)") }
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
}
