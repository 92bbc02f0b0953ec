import Diffusion
import Foundation
import Imaging
import Tensors

/// Article figure 7: classifier-free guidance (Ho & Salimans 2022). The model's conditional and
/// unconditional noise predictions are combined as ε = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)); w = 1 is the plain
/// conditional model, larger w pushes samples towards what the prompt makes likely — more
/// adherence, less variety. One prompt, the same seeds in every row, w = 1, 2, 3, 5, 8; below,
/// variety measured as the mean over pixels of the standard deviation across seeds.
public enum GuidanceFigure: ExplainFigure {
  public static let name = "guidance"
  public static let caption =
    "One prompt at guidance scales 1, 2, 3, 5 and 8 with the same seeds: stronger guidance trades variety for adherence."
  public static let needs: Set<ExplainInput> = [.model]

  static let prompt = "gold"
  static let scales: [Float] = [1, 2, 3, 5, 8]

  /// Mean over pixels of the standard deviation across images (pixel values 0…1).
  public static func variety(_ images: [RasterImage]) -> Double {
    guard images.count > 1, let n = images.first?.pixels.count else { return 0 }
    var total = 0.0
    for j in 0..<n {
      let v = images.map { Double($0.pixels[j]) / 255 }
      let mean = v.reduce(0, +) / Double(v.count)
      total += (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)).squareRoot()
    }
    return total / Double(n)
  }

  public static func render(_ context: ExplainContext) throws -> [String] {
    let model = try ExplainModel.shared(context, figure: name)
    let count = context.quick ? 3 : 8
    let steps = context.quick ? 4 : 20
    var rows: [[RasterImage]] = []
    for w in scales {
      rows.append(
        GlyphImages.rasters(
          try model.generate(prompt, count: count, steps: steps, guidance: w, seed: context.seed)))
    }
    let grid = try LabelledGrid.make(
      rows: rows, rowLabels: scales.map { "w = \($0.formatted())" + ($0 == 1 ? " (off)" : "") },
      columnLabels: (0..<count).map { "seed \(context.seed &+ UInt64($0))" },
      scale: model.scale(toAbout: 64))

    var chart = Figure(width: 560, height: 320, title: "Variety across seeds")
    chart.fontSize = ExplainStyle.fontSize
    chart.x = AxisSpec(title: "guidance scale w")
    let ws = scales.map(Double.init)
    let v = rows.map(variety)
    chart.y = AxisSpec(title: "mean per-pixel std", range: 0...max(1.2 * v.max()!, 0.01))
    chart.legend = .hidden
    chart.line(x: ws, y: v, color: ExplainStyle.model, width: 2.5)
    chart.scatter(x: ws, y: v, color: ExplainStyle.model, radius: 4)

    var sheet = FigureSheet()
    sheet.title("Classifier-free guidance: \"\(prompt)\" at w = 1, 2, 3, 5, 8")
    sheet.note(
      "ε = ε(xₜ, ∅) + w · (ε(xₜ, prompt) − ε(xₜ, ∅)); DPM-Solver++(2M), \(steps) steps; each column one seed"
    )
    sheet.image(grid)
    sheet.gap(10)
    sheet.image(try chart.render())
    return [try context.writePNG(sheet.render(), as: "\(name).png")]
  }
}
