import Foundation
import GlyphData
import Imaging

/// "dataset-map": every glyph of the data set projected from its H·W pixels to 2-D with UMAP,
/// drawn as faint points over their kernel density, with a few left–right (明-like) and
/// top–bottom (草-like) glyphs drawn at their own points; and an interactive HTML page of the
/// same map (hover: glyph, character, definition; search by character or code point).
public enum DatasetMapFigure: ExplainFigure {
  public static let name = "dataset-map"
  public static let caption =
    "The data set in 2-D: UMAP of the glyphs' pixels, points over their density; blue glyphs are "
    + "left–right compositions (明), orange ones top–bottom (草)."
  public static let needs: Set<ExplainInput> = [.dataset]

  public static let pngName = "dataset-map.png"
  public static let htmlName = "dataset-map.html"

  /// Colour map of the density underneath: white to a dusty blue-grey, light enough for
  /// points and glyphs to stay readable on top.
  static let densityColors = ColorMap(
    stops: [0xFFFFFF, 0xE4ECF4, 0xB9CCE0, 0x86A6C8, 0x4F77A6].map { Color(hex: $0) })

  public static func render(_ context: ExplainContext) throws -> [String] {
    guard let datasetURL = context.dataset else { throw DatasetFigureError.noDataset(figure: name) }
    let map = try DatasetEmbedding.load(
      dataset: datasetURL, out: context.out, seed: context.seed, quick: context.quick,
      log: { print($0) })
    return [
      try context.writePNG(try image(map), as: pngName),
      try context.write(Array(try DatasetMapPage.html(map).utf8), as: htmlName),
    ]
  }

  /// The static figure.
  static func image(_ map: DatasetEmbedding) throws -> RasterImage {
    let y = map.fitted.embedding
    let n = map.dataset.count
    let bounds = MapBounds(embedding: y)
    let xs = (0..<n).map { Double(y[2 * $0]) }
    let ys = (0..<n).map { Double(y[2 * $0 + 1]) }
    let grid = 240
    let kde = KDE2D(xs: xs, ys: ys, columns: grid, rows: grid, x: bounds.x, y: bounds.y)

    var f = Figure(
      width: 1000, height: 1034,
      title: "\(n) glyphs (\(map.dataset.size)×\(map.dataset.size) px) mapped to 2-D by UMAP")
    f.x = AxisSpec(range: bounds.x, showTicks: false)
    f.y = AxisSpec(range: bounds.y, showTicks: false)
    f.gridLines = false
    f.legend = .bottomRight
    f.heatMap(
      kde.values, rows: grid, columns: grid, x: bounds.x, y: bounds.y, colorMap: densityColors,
      colorBar: false)
    f.scatter(x: xs, y: ys, color: Color(hex: 0x1B2A3A, alpha: 70), radius: 1.0)
    f.scatter(
      x: [], y: [], color: StructureExemplars.leftRightColor, radius: 5,
      label: "left–right glyphs, e.g. 明 = 日 + 月")
    f.scatter(
      x: [], y: [], color: StructureExemplars.topBottomColor, radius: 5,
      label: "top–bottom glyphs, e.g. 草 = 艹 + 早")
    f.scatter(x: [], y: [], color: Color(hex: 0x1B2A3A, alpha: 160), radius: 2, label: "one glyph")
    try addExemplars(to: &f, map, xs: xs, ys: ys, bounds: bounds)
    return try f.render()
  }

  /// Thumbnails of the exemplars (tinted by kind), each at its own point when that spot is free,
  /// else on the nearest free spot of rings around it with a leader line to a dot at the point.
  /// Placed greedily in `StructureExemplars.priority` order, so 明 and 草 sit exactly.
  static func addExemplars(
    to f: inout Figure, _ map: DatasetEmbedding, xs: [Double], ys: [Double], bounds: MapBounds
  ) throws {
    let layout = f.layout(
      in: PixelRect(x: 0, y: 0, width: f.width, height: f.height), text: try TextRenderer.shared())
    let rect = layout.plotRect
    let size = 34.0
    let gap = size + 4
    func data(_ p: Point) -> (Double, Double) {
      let dx = (bounds.x.upperBound - bounds.x.lowerBound) / Double(rect.width)
      let dy = (bounds.y.upperBound - bounds.y.lowerBound) / Double(rect.height)
      return (
        bounds.x.lowerBound + (p.x - Double(rect.x)) * dx,
        bounds.y.upperBound - (p.y - Double(rect.y)) * dy
      )
    }
    var boxes: [Point] = []
    var thumbnails: [(Int, Bool, Point)] = []
    for (i, lr) in StructureExemplars.present(in: map.dataset.codepoints) {
      guard let p = layout.pixel(x: xs[i], y: ys[i]) else { continue }
      var candidates = [p]
      for radius in [46.0, 84, 122, 160] {
        for k in 0..<16 {
          let angle = Double(k) * Double.pi / 8
          candidates.append(Point(p.x + radius * cos(angle), p.y + radius * sin(angle)))
        }
      }
      let free = candidates.first { c in
        c.x - size / 2 >= Double(rect.x) && c.x + size / 2 <= Double(rect.x + rect.width)
          && c.y - size / 2 >= Double(rect.y) && c.y + size / 2 <= Double(rect.y + rect.height)
          && boxes.allSatisfy { abs($0.x - c.x) >= gap || abs($0.y - c.y) >= gap }
      }
      guard let spot = free else { continue }
      boxes.append(spot)
      thumbnails.append((i, lr, spot))
    }
    for (i, lr, spot) in thumbnails where spot != layout.pixel(x: xs[i], y: ys[i]) {
      let color = lr ? StructureExemplars.leftRightColor : StructureExemplars.topBottomColor
      let (sx, sy) = data(spot)
      f.line(x: [xs[i], sx], y: [ys[i], sy], color: color, width: 1.2)
    }
    for (i, lr, spot) in thumbnails {
      let color = lr ? StructureExemplars.leftRightColor : StructureExemplars.topBottomColor
      let (sx, sy) = data(spot)
      f.image(map.dataset.image(at: i), x: sx, y: sy, size: Int(size), tint: color)
      if spot != layout.pixel(x: xs[i], y: ys[i]) {
        f.scatter(x: [xs[i]], y: [ys[i]], color: color, radius: 3)
      }
    }
  }
}
