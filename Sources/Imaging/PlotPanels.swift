/// Several figures side by side on one canvas (e.g. the article's "linear vs cosine schedule"
/// panels). Cells are as large as the largest figure; each figure keeps its own size, top-left
/// aligned in its cell, and panels are laid out row-major.
extension Figure {
  public static func renderPanels(
    _ figures: [Figure], columns: Int, background: Color = .white, text: TextRenderer? = nil
  ) throws -> RasterImage {
    precondition(!figures.isEmpty && columns > 0, "renderPanels needs figures and columns > 0")
    let renderer = try text ?? TextRenderer.shared()
    let cellW = figures.map(\.width).max()!
    let cellH = figures.map(\.height).max()!
    let cols = min(columns, figures.count)
    let rows = (figures.count + cols - 1) / cols
    var canvas = Canvas(width: cols * cellW, height: rows * cellH, background: background)
    for (i, figure) in figures.enumerated() {
      let rect = PixelRect(
        x: (i % cols) * cellW, y: (i / cols) * cellH, width: figure.width, height: figure.height)
      figure.render(into: &canvas, rect: rect, text: renderer)
    }
    return canvas.image
  }
}
