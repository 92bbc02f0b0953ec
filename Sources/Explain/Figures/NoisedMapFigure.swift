import Diffusion
import Foundation
import Imaging
import Tensors

/// "forward-map": where noised glyphs land on the data-set map. A fixed subset of glyphs is
/// noised by the forward process q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) of the linear schedule
/// (β from 10⁻⁴ to 0.02 over 1,000 steps, Ho et al. 2020) at several t, with the same ε for
/// every t, and each x_t is placed into the existing UMAP embedding with `transform` (the map
/// itself does not move). One panel per t: the placed points over their density, the clean
/// data set's density pale behind for reference.
public enum NoisedMapFigure: ExplainFigure {
  public static let name = "forward-map"
  public static let caption =
    "2,000 glyphs noised to x_t (linear schedule) and placed on the data-set map: until t ≈ 500 "
    + "each stays on its own glyph, then within ~150 steps they leave for where pure noise lands."
  public static let needs: Set<ExplainInput> = [.dataset]

  public static let pngName = "forward-map.png"
  /// Timesteps shown (0-based, as diffusers: t = 999 is the last, almost pure noise). Chosen
  /// around the jump seen on the 64 px data set: up to t ≈ 500 (√ᾱ ≈ 0.28) a noised glyph's
  /// nearest glyphs in pixel space are still its own neighbours (the noise adds about the same
  /// to every distance over 4,096 pixels), by t ≈ 650 (√ᾱ ≈ 0.12) most are where pure noise lands.
  public static let timesteps = [0, 500, 560, 600, 650, 999]
  public static let subsetSize = 2000

  public static func render(_ context: ExplainContext) throws -> [String] {
    guard let datasetURL = context.dataset else { throw DatasetFigureError.noDataset(figure: name) }
    let map = try DatasetEmbedding.load(
      dataset: datasetURL, out: context.out, seed: context.seed, quick: context.quick,
      log: { print($0) })
    let count = min(context.quick ? 200 : subsetSize, map.dataset.count)
    let panels = try placements(map, count: count, seed: context.seed)
    return [try context.writePNG(try image(map, panels: panels), as: pngName)]
  }

  /// For each t: (t, ᾱ_t, placed 2-D points of the subset).
  static func placements(_ map: DatasetEmbedding, count: Int, seed: UInt64) throws -> [(
    t: Int, alphaBar: Double, points: [Float]
  )] {
    let schedule = try NoiseSchedule(.ho2020, trainTimesteps: 1000)
    var pick = RandomStream(seed: seed, name: "forward-map.subset")
    var order = Array(0..<map.dataset.count)
    pick.shuffle(&order)
    let subset = Array(order.prefix(count)).sorted()
    let clean = map.features.selecting(subset)
    var noiseStream = RandomStream(seed: seed, name: "forward-map.noise")
    let noise = noiseStream.normals(clean.values.count)
    return timesteps.map { t in
      precondition(t < schedule.trainTimesteps, "forward-map: t = \(t) beyond the schedule")
      let a = Float(schedule.signalScale(at: t))
      let s = Float(schedule.noiseScale(at: t))
      // Ink features f = (1 − x)/2 with x ∈ [−1, 1] the model's pixels: x_t = a·x_0 + s·ε,
      // so f_t = (1 − a·(1 − 2 f_0) − s·ε) / 2.
      var values = clean.values
      for i in values.indices { values[i] = (1 - a * (1 - 2 * values[i]) - s * noise[i]) / 2 }
      let noised = FeatureMatrix(rows: clean.rows, columns: clean.columns, values: values)
      return (t, schedule.alphasCumprod[t], map.fitted.transform(noised))
    }
  }

  static func image(
    _ map: DatasetEmbedding, panels: [(t: Int, alphaBar: Double, points: [Float])]
  ) throws -> RasterImage {
    let y = map.fitted.embedding
    let bounds = MapBounds(embedding: y)
    let n = map.dataset.count
    let grid = 160
    let background = KDE2D(
      xs: (0..<n).map { Double(y[2 * $0]) }, ys: (0..<n).map { Double(y[2 * $0 + 1]) },
      columns: grid, rows: grid, x: bounds.x, y: bounds.y)
    let backPeak = background.values.max() ?? 1
    let figures = panels.map { panel -> Figure in
      let xs = stride(from: 0, to: panel.points.count, by: 2).map { Double(panel.points[$0]) }
      let ys = stride(from: 1, to: panel.points.count, by: 2).map { Double(panel.points[$0]) }
      let kde = KDE2D(xs: xs, ys: ys, columns: grid, rows: grid, x: bounds.x, y: bounds.y)
      let peak = kde.values.max() ?? 1
      // The clean data's density, pale, underneath the noised points' density (per cell the
      // larger of the two shades, each relative to its own peak; the noised one saturates at
      // 60 % of its peak so that a tight peak does not hide the rest of its spread).
      let shade = zip(kde.values, background.values).map { noisy, clean in
        max(min(1, noisy / (0.6 * peak)), 0.35 * clean / backPeak)
      }
      var f = Figure(
        width: 440, height: 478,
        title: String(
          format: "t = %d   ᾱ = %.3g   √ᾱ = %.2f", panel.t, panel.alphaBar,
          panel.alphaBar.squareRoot()))
      f.fontSize = 13
      f.x = AxisSpec(range: bounds.x, showTicks: false)
      f.y = AxisSpec(range: bounds.y, showTicks: false)
      f.gridLines = false
      f.legend = .hidden
      f.heatMap(
        shade, rows: grid, columns: grid, x: bounds.x, y: bounds.y,
        colorMap: DatasetMapFigure.densityColors, colorRange: 0...1, colorBar: false)
      f.scatter(x: xs, y: ys, color: Color(hex: 0xB3261E, alpha: 120), radius: 1.3)
      return f
    }
    return try Figure.renderPanels(figures, columns: 3)
  }
}
