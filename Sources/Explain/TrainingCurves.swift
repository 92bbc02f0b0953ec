import Diffusion
import Imaging

/// A training run's curves from the `StepMetrics` of its `metrics.jsonl`: what `glyffuser plot`
/// draws and the Training tab of `glyffuser serve` shows.
public enum TrainingCurves {
  /// Training loss per step, its `window`-step moving average, and the validation loss with the
  /// training and the EMA weights, on a log-scale loss axis.
  public static func loss(_ metrics: [StepMetrics], title: String, window: Int) -> Figure {
    let steps = metrics.map { Double($0.step) }
    let loss = metrics.map { Double($0.loss) }
    var figure = Figure(width: 900, height: 540, title: title)
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
    let validation: [(String, KeyPath<StepMetrics, Float?>, Color)] = [
      ("validation", \.valLoss, Color(r: 44, g: 160, b: 44)),
      ("validation (EMA weights)", \.valLossEMA, Color(r: 200, g: 90, b: 40)),
    ]
    for (label, key, color) in validation {
      let points = metrics.compactMap { m in m[keyPath: key].map { (Double(m.step), Double($0)) } }
      guard !points.isEmpty else { continue }
      let (x, y) = (points.map(\.0), points.map(\.1))
      figure.line(x: x, y: y, color: color, width: 2, style: .dashed, label: label)
      figure.scatter(x: x, y: y, color: color, radius: 3)
    }
    return figure
  }

  /// Adherence (with the real-glyph ceiling and the unconditional floor) and FD (with the
  /// real-vs-real floor), against step and against training minutes.
  public static func evaluation(_ evaluated: [StepMetrics]) throws -> RasterImage {
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

extension TrainingCurves {
  /// Several evaluated runs on shared axes: adherence and FD against training minutes (each
  /// run's own `train_minutes`, so runs are compared per CPU-minute of the machine they ran on)
  /// and against images seen (step × batch, which no machine's speed changes). `runs` holds each
  /// run's label, batch size and evaluated steps.
  public static func comparison(
    _ runs: [(label: String, batch: Int, evaluated: [StepMetrics])]
  ) throws -> RasterImage {
    let axes: [(String, (StepMetrics, Int) -> Double)] = [
      ("training minutes", { m, _ in m.eval?["train_minutes"] ?? .nan }),
      ("images seen (millions)", { m, batch in Double(m.step * batch) / 1e6 }),
    ]
    var figures: [Figure] = []
    for (name, x) in axes {
      var adherence = Figure(width: 600, height: 400, title: "Radical adherence (top-1)")
      adherence.x = AxisSpec(title: name)
      adherence.y = AxisSpec(title: "share of glyphs", range: 0...1)
      var fd = Figure(width: 600, height: 400, title: "Fréchet distance (judge features)")
      fd.x = AxisSpec(title: name)
      fd.y = AxisSpec(title: "FD", scale: .log)
      for (i, run) in runs.enumerated() {
        let xs = run.evaluated.map { x($0, run.batch) }
        let color = SeriesPalette.color(i)
        let top1 = run.evaluated.map { $0.eval?["radical_top1"] ?? .nan }
        adherence.line(x: xs, y: top1, color: color, width: 2, label: run.label)
        adherence.scatter(x: xs, y: top1, color: color, radius: 3)
        let distance = run.evaluated.map { $0.eval?["fd"] ?? .nan }
        fd.line(x: xs, y: distance, color: color, width: 2, label: run.label)
        fd.scatter(x: xs, y: distance, color: color, radius: 3)
      }
      figures += [adherence, fd]
    }
    return try Figure.renderPanels(figures, columns: 2)
  }
}
