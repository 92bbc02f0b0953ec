import Diffusion
import Foundation
import GlyphData
import Imaging
import Tensors

/// Article figure 3: the forward process on a real glyph. One glyph noised to several t with
/// q(x_t | x_0) = N(√ᾱ_t·x_0, (1 − ᾱ_t)I) under the linear schedule (Ho et al. 2020: β 1e-4 →
/// 0.02) and the cosine schedule (Nichol & Dhariwal 2021, eq. 17), with the same ε for both so
/// that only the schedule differs; below, ᾱ_t and the signal-to-noise ratio ᾱ_t/(1 − ᾱ_t) of both.
/// The cosine schedule destroys information more evenly over t: the linear one has almost
/// nothing left in its last few hundred steps.
public enum ForwardFigure: ExplainFigure {
  public static let name = "forward"
  public static let caption =
    "The forward process: one glyph noised to several t under the linear and cosine schedules, with ᾱₜ and the signal-to-noise ratio of both."
  public static let needs: Set<ExplainInput> = [.dataset]

  static let timesteps = [0, 50, 100, 200, 300, 400, 500, 700, 999]
  /// 金, "gold", the article's running example; the first glyph when the data set lacks it.
  static let preferredCodepoint: UInt32 = 0x91D1

  /// Both schedules over 1000 training steps, as the models are trained.
  static func schedules() throws -> [(label: String, schedule: NoiseSchedule, color: Color)] {
    [
      ("linear", try NoiseSchedule(.ho2020), ExplainStyle.linearSchedule),
      ("cosine", try NoiseSchedule(.cosine()), ExplainStyle.cosineSchedule),
    ]
  }

  public static func render(_ context: ExplainContext) throws -> [String] {
    let dataset = try context.loadDataset(for: name)
    guard dataset.count > 0 else { throw ExplainError.emptyDataset(context.dataset!.path) }
    let index = dataset.index(of: preferredCodepoint) ?? 0
    let glyph = dataset.image(at: index)
    let s = dataset.size
    // Pixels 0…255 (0 = ink) to the model's range [−1, 1].
    let x0 = Tensor(
      shape: [1, s, s, 1], scalars: glyph.pixels.map { Float($0) / 127.5 - 1 })
    var stream = RandomStream(seed: context.seed, name: "explain-forward")
    let eps = Tensor.randomNormal([1, s, s, 1], stream: &stream)
    let schedules = try schedules()
    var rows: [[RasterImage]] = []
    for (_, schedule, _) in schedules {
      rows.append(
        timesteps.map { t in
          GlyphImages.rasters(schedule.addNoise(to: x0, noise: eps, timesteps: [t]))[0]
        })
    }
    let scale = max(1, Int((96 / Double(s)).rounded()))
    let grid = try LabelledGrid.make(
      rows: rows, rowLabels: schedules.map(\.label),
      columnLabels: timesteps.map { "t = \($0)" }, scale: scale)

    let ts = (0..<1000).map(Double.init)
    var alpha = Figure(width: 620, height: 400, title: "ᾱₜ: how much of x₀ is left")
    var snr = Figure(width: 620, height: 400, title: "signal-to-noise ratio ᾱₜ / (1 − ᾱₜ)")
    alpha.fontSize = ExplainStyle.fontSize
    snr.fontSize = ExplainStyle.fontSize
    alpha.x = AxisSpec(title: "t", range: 0...1000)
    alpha.y = AxisSpec(title: "ᾱₜ", range: 0...1.02)
    snr.x = AxisSpec(title: "t", range: 0...1000)
    snr.y = AxisSpec(title: "SNR (log scale)", scale: .log)
    snr.legend = .bottomLeft
    for (label, schedule, color) in schedules {
      let a = schedule.alphasCumprod
      alpha.line(x: ts, y: a, color: color, width: 2.5, label: label)
      alpha.scatter(
        x: timesteps.map(Double.init), y: timesteps.map { a[$0] }, color: color, radius: 4)
      snr.line(x: ts, y: a.map { $0 / (1 - $0) }, color: color, width: 2.5, label: label)
    }
    let charts = try Figure.renderPanels([alpha, snr], columns: 2)

    var sheet = FigureSheet()
    sheet.title("The forward process: noise added to \(caption(of: dataset, index))")
    sheet.note("xₜ = √ᾱₜ · x₀ + √(1 − ᾱₜ) · ε, with the same ε for both schedules")
    sheet.gap(6)
    sheet.image(grid)
    sheet.gap(10)
    sheet.image(charts)
    return [try context.writePNG(sheet.render(), as: "\(name).png")]
  }

  /// "金 (gold)": the character and the first part of its caption.
  static func caption(of dataset: GlyphDataset, _ index: Int) -> String {
    let character = Unicode.Scalar(dataset.codepoints[index]).map { String(Character($0)) } ?? "?"
    let first = dataset.captions[index].split(separator: ";").first.map(String.init) ?? ""
    return first.isEmpty ? character : "\(character) (\(first))"
  }
}
