import ArgumentParser
import Foundation
import Imaging

/// `glyffuser plot RUN`: loss curves from a run's `metrics.jsonl` (training loss per step, its
/// moving average, and the validation loss with the training and the EMA weights), log-scale
/// loss axis, to PNG.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Draw a training run's loss curves to PNG.")

  @Argument(help: "Run folder (holding metrics.jsonl).") var runFolder: String
  @Option(help: "Output PNG (default: RUN/loss.png).") var out: String?
  @Option(help: "Moving-average window for the training loss, in steps.") var window = 50

  func run() throws {
    let url = URL(fileURLWithPath: runFolder).appendingPathComponent("metrics.jsonl")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw ValidationError("\(url.path): cannot read (is \(runFolder) a training run folder?)")
    }
    var steps: [Double] = []
    var loss: [Double] = []
    var valSteps: [Double] = []
    var val: [Double] = []
    var emaSteps: [Double] = []
    var ema: [Double] = []
    for (n, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let step = (object["step"] as? NSNumber)?.doubleValue
      else { throw ValidationError("\(url.path):\(n + 1): not a metrics line") }
      if let l = (object["loss"] as? NSNumber)?.doubleValue {
        steps.append(step)
        loss.append(l)
      }
      if let v = (object["val_loss"] as? NSNumber)?.doubleValue {
        valSteps.append(step)
        val.append(v)
      }
      if let v = (object["val_loss_ema"] as? NSNumber)?.doubleValue {
        emaSteps.append(step)
        ema.append(v)
      }
    }
    guard !loss.isEmpty else { throw ValidationError("\(url.path): no loss values yet") }
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
      figure.line(x: valSteps, y: val, color: green, width: 2, style: .dashed, label: "validation")
      figure.scatter(x: valSteps, y: val, color: green, radius: 3)
    }
    if !ema.isEmpty {
      figure.line(
        x: emaSteps, y: ema, color: Color(r: 200, g: 90, b: 40), width: 2, style: .dashed,
        label: "validation (EMA weights)")
      figure.scatter(x: emaSteps, y: ema, color: Color(r: 200, g: 90, b: 40), radius: 3)
    }
    let path = out ?? URL(fileURLWithPath: runFolder).appendingPathComponent("loss.png").path
    try Data(PNGEncoder.encode(try figure.render())).write(to: URL(fileURLWithPath: path))
    print("wrote \(path)")
  }
}
