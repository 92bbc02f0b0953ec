import Imaging

/// A table of images: a label left of each row, a label above each column, nearest-neighbour
/// upscaling by `scale` (glyphs stay crisp), white background. Rows may be shorter than the
/// header; missing cells stay empty.
enum LabelledGrid {
  static func make(
    rows: [[RasterImage]], rowLabels: [String], columnLabels: [String], scale: Int = 1,
    padding: Int = 6, fontSize: Int = ExplainStyle.fontSize, text: TextRenderer? = nil
  ) throws -> RasterImage {
    precondition(rows.count == rowLabels.count, "\(rowLabels.count) labels for \(rows.count) rows")
    let all = rows.flatMap { $0 }
    precondition(!all.isEmpty, "LabelledGrid needs images")
    let renderer = try text ?? TextRenderer.shared()
    let cellW = all.map(\.width).max()! * scale
    let cellH = all.map(\.height).max()! * scale
    let columns = max(columnLabels.count, rows.map(\.count).max()!)
    let labelW = (rowLabels.map { renderer.measure($0, size: fontSize).width }.max() ?? 0)
    let left = labelW > 0 ? labelW + 2 * padding : padding
    let headerH =
      columnLabels.isEmpty ? 0 : renderer.measure("Ag", size: fontSize).height + padding
    let width = left + columns * (cellW + padding)
    let height = padding + headerH + rows.count * (cellH + padding)
    var canvas = Canvas(width: width, height: height)
    for (c, label) in columnLabels.enumerated() {
      let x = left + c * (cellW + padding) + cellW / 2
      renderer.draw(
        ImageGrid.fit(label, width: cellW + padding, size: fontSize, renderer: renderer),
        size: fontSize, at: Point(Double(x), Double(padding)), color: .black, into: &canvas,
        anchor: .top)
    }
    for (r, row) in rows.enumerated() {
      let y = padding + headerH + r * (cellH + padding)
      renderer.draw(
        rowLabels[r], size: fontSize, at: Point(Double(left - padding), Double(y + cellH / 2)),
        color: .black, into: &canvas, anchor: .right)
      for (c, image) in row.enumerated() {
        let w = image.width * scale
        let h = image.height * scale
        let x = left + c * (cellW + padding)
        canvas.blit(
          image,
          into: PixelRect(x: x + (cellW - w) / 2, y: y + (cellH - h) / 2, width: w, height: h))
      }
    }
    return canvas.image
  }
}
