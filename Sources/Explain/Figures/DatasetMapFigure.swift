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
    try FileManager.default.createDirectory(at: context.out, withIntermediateDirectories: true)
    let png = try PNGEncoder.encode(try image(map))
    try Data(png).write(to: context.out.appendingPathComponent(pngName))
    let html = try DatasetMapPage.html(map)
    try Data(html.utf8).write(to: context.out.appendingPathComponent(htmlName))
    return [pngName, htmlName]
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
      label: "left–right (⿰), e.g. 明 = 日 + 月")
    f.scatter(
      x: [], y: [], color: StructureExemplars.topBottomColor, radius: 5,
      label: "top–bottom (⿱), e.g. 草 = 艹 + 早")
    f.scatter(x: [], y: [], color: Color(hex: 0x1B2A3A, alpha: 160), radius: 2, label: "one glyph")
    for (i, lr) in StructureExemplars.present(in: map.dataset.codepoints) {
      f.image(
        map.dataset.image(at: i), x: xs[i], y: ys[i], size: 34,
        tint: lr ? StructureExemplars.leftRightColor : StructureExemplars.topBottomColor)
    }
    return try f.render()
  }
}
