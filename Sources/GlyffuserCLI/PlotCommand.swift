import ArgumentParser
import Diffusion
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
    let steps = metrics.map { Double($0.step) }
    let loss = metrics.map { Double($0.loss) }
    let val = metrics.compactMap { m in m.valLoss.map { (Double(m.step), Double($0)) } }
    let ema = metrics.compactMap { m in m.valLossEMA.map { (Double(m.step), Double($0)) } }
    var figure = Figure(width: 900, height: 540, title: "Training loss — \(runFolder)")
    figure.x = AxisSpec(title: "step")
    figure.y = AxisSpec(title: "loss (MSE on ε)", scale: .log)
    figure.line(x: steps, y: loss, color: Color(r: 190, g: 200, b: 230), width: 1, label: "train")
    let w = max(1, min(window, loss.count))
    var smooth: [Double] = []
    var sum = 0.0
    for i in loss.indices {
      sum += loss[i]
      if i >= w { sum -= loss[i - w] }
      smooth.append(sum / Double(min(i + 1, w)))
    }
    figure.line(x: steps, y: smooth, width: 2, label: "train (\(w)-step mean)")
    if !val.isEmpty {
      let green = Color(r: 44, g: 160, b: 44)
      figure.line(
        x: val.map(\.0), y: val.map(\.1), color: green, width: 2, style: .dashed,
        label: "validation")
      figure.scatter(x: val.map(\.0), y: val.map(\.1), color: green, radius: 3)
    }
    if !ema.isEmpty {
      let orange = Color(r: 200, g: 90, b: 40)
      figure.line(
        x: ema.map(\.0), y: ema.map(\.1), color: orange, width: 2, style: .dashed,
        label: "validation (EMA weights)")
      figure.scatter(x: ema.map(\.0), y: ema.map(\.1), color: orange, radius: 3)
    }
    let path = out ?? URL(fileURLWithPath: runFolder).appendingPathComponent("loss.png").path
    try AtomicFile.write(
      try PNGEncoder.encode(try figure.render()), to: URL(fileURLWithPath: path))
    print("wrote \(path)")

    let evaluated = metrics.filter { $0.eval != nil }
    guard !evaluated.isEmpty else { return }
    let evalPath =
      evalOut ?? URL(fileURLWithPath: runFolder).appendingPathComponent("eval.png").path
    try AtomicFile.write(
      try PNGEncoder.encode(try evaluationFigure(evaluated)), to: URL(fileURLWithPath: evalPath))
    print("wrote \(evalPath)")
  }

  /// Adherence (with the real-glyph ceiling and the unconditional floor) and FD (with the
  /// real-vs-real floor), against step and against training minutes.
  func evaluationFigure(_ evaluated: [StepMetrics]) throws -> RasterImage {
    func series(_ key: String) -> [Double] { evaluated.map { $0.eval?[key] ?? .nan } }
    let axes: [(String, [Double])] = [
      ("step", evaluated.map { Double($0.step) }), ("training minutes", series("train_minutes")),
    ]
    var figures: [Figure] = []
    for (name, x) in axes {
      var adherence = Figure(width: 600, height: 400, title: "Radical adherence (top-1)")
      adherence.x = AxisSpec(title: name)
      adherence.y = AxisSpec(title: "share of glyphs", range: 0...1)
      adherence.line(x: x, y: series("radical_top1"), width: 2, label: "held-out definitions")
      adherence.scatter(x: x, y: series("radical_top1"), color: SeriesPalette.color(0), radius: 3)
      adherence.line(
        x: x, y: series("family_top1"), color: SeriesPalette.color(2), width: 2,
        label: "family prompts")
      adherence.line(
        x: x, y: series("radical_top1_real"), color: .grey, width: 1, style: .dashed,
        label: "real glyphs (ceiling)")
      adherence.line(
        x: x, y: series("radical_top1_uncond"), color: .red, width: 1, style: .dotted,
        label: "unconditional (floor)")
      var fd = Figure(width: 600, height: 400, title: "Fréchet distance (judge features)")
      fd.x = AxisSpec(title: name)
      fd.y = AxisSpec(title: "FD", scale: .log)
      fd.line(x: x, y: series("fd"), width: 2, label: "generated vs held-out")
      fd.scatter(x: x, y: series("fd"), color: SeriesPalette.color(0), radius: 3)
      fd.line(
        x: x, y: series("fd_real_floor"), color: .grey, width: 1, style: .dashed,
        label: "real vs real (floor)")
      figures += [adherence, fd]
    }
    return try Figure.renderPanels(figures, columns: 2)
  }
}
