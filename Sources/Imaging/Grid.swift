/// Image grids on a white background, as in the original glyffuser's sample sheets.
///
/// Layout (all in output pixels): every cell is `cellWidth × cellHeight` = the largest input
/// image times `scale` (nearest-neighbour upscaling, so 32 px glyphs stay crisp); cells are
/// separated and surrounded by `cellPadding`; a caption line of `labelSize` px sits under each
/// cell when labels are given. Smaller images are centred in their cell.
public enum ImageGrid {
  /// `images` laid out row-major in `columns` columns, each with the caption `labels[i]` under it
  /// (labels, when given, must match the images one to one). Captions wider than the cell are
  /// shortened with "…".
  public static func make(
    images: [RasterImage], columns: Int, labels: [String]? = nil, cellPadding: Int = 8,
    labelSize: Int = 14, scale: Int = 1, text: TextRenderer? = nil
  ) throws -> RasterImage {
    precondition(!images.isEmpty, "ImageGrid.make needs at least one image")
    precondition(columns > 0 && scale > 0 && cellPadding >= 0, "bad grid parameters")
    if let labels {
      precondition(
        labels.count == images.count, "\(labels.count) labels for \(images.count) images")
    }
    let renderer = labels == nil ? nil : try (text ?? TextRenderer.shared())
    let cellW = images.map(\.width).max()! * scale
    let cellH = images.map(\.height).max()! * scale
    let cols = min(columns, images.count)
    let rows = (images.count + cols - 1) / cols
    let captionH = renderer.map { $0.measure("Ag金", size: labelSize).height + 4 } ?? 0
    let width = cols * cellW + (cols + 1) * cellPadding
    let height = rows * (cellH + captionH) + (rows + 1) * cellPadding
    var canvas = Canvas(width: width, height: height)
    for (i, image) in images.enumerated() {
      let x = cellPadding + (i % cols) * (cellW + cellPadding)
      let y = cellPadding + (i / cols) * (cellH + captionH + cellPadding)
      place(image, scale: scale, cellX: x, cellY: y, cellW: cellW, cellH: cellH, on: &canvas)
      if let renderer, let label = labels?[i] {
        let fitted = fit(label, width: cellW + cellPadding, size: labelSize, renderer: renderer)
        renderer.draw(
          fitted, size: labelSize, at: Point(Double(x + cellW / 2), Double(y + cellH + 2)),
          color: .black, into: &canvas, anchor: .top)
      }
    }
    return canvas.image
  }

  /// One row per prompt: `rows[r]` drawn left to right after the row label `rowLabels[r]`
  /// (right-aligned in a column as wide as the widest label, capped at `maxLabelWidth`).
  public static func make(
    rows: [[RasterImage]], rowLabels: [String], cellPadding: Int = 8, labelSize: Int = 16,
    scale: Int = 1, maxLabelWidth: Int = 320, text: TextRenderer? = nil
  ) throws -> RasterImage {
    precondition(!rows.isEmpty && rows.allSatisfy { !$0.isEmpty }, "every row needs images")
    precondition(rowLabels.count == rows.count, "\(rowLabels.count) labels for \(rows.count) rows")
    let renderer = try text ?? TextRenderer.shared()
    let all = rows.flatMap { $0 }
    let cellW = all.map(\.width).max()! * scale
    let cellH = all.map(\.height).max()! * scale
    let cols = rows.map(\.count).max()!
    let labelW = min(
      maxLabelWidth, rowLabels.map { renderer.measure($0, size: labelSize).width }.max()! + 4)
    let width = labelW + cols * cellW + (cols + 2) * cellPadding
    let height = rows.count * cellH + (rows.count + 1) * cellPadding
    var canvas = Canvas(width: width, height: height)
    for (r, row) in rows.enumerated() {
      let y = cellPadding + r * (cellH + cellPadding)
      let label = fit(rowLabels[r], width: labelW, size: labelSize, renderer: renderer)
      renderer.draw(
        label, size: labelSize,
        at: Point(Double(cellPadding + labelW), Double(y) + Double(cellH) / 2), color: .black,
        into: &canvas, anchor: .right)
      for (c, image) in row.enumerated() {
        let x = 2 * cellPadding + labelW + c * (cellW + cellPadding)
        place(image, scale: scale, cellX: x, cellY: y, cellW: cellW, cellH: cellH, on: &canvas)
      }
    }
    return canvas.image
  }

  /// `panels` left to right, top-aligned, each under its `titles[i]` lines (the first at
  /// `titleSize` px, the rest at `labelSize`, each shortened with "…" to the panel's width):
  /// two models' grids of the same prompts and seeds, say, each titled with its eval numbers.
  public static func sideBySide(
    _ panels: [RasterImage], titles: [[String]], padding: Int = 16, titleSize: Int = 20,
    labelSize: Int = 15, text: TextRenderer? = nil
  ) throws -> RasterImage {
    precondition(!panels.isEmpty && padding >= 0, "sideBySide needs panels")
    precondition(titles.count == panels.count, "\(titles.count) titles for \(panels.count) panels")
    let renderer = try text ?? TextRenderer.shared()
    func lineHeight(_ i: Int) -> Int {
      renderer.measure("Ag金", size: i == 0 ? titleSize : labelSize).height + 4
    }
    let headerH = titles.map { lines in lines.indices.map(lineHeight).reduce(0, +) }.max() ?? 0
    let width = panels.map(\.width).reduce(0, +) + (panels.count + 1) * padding
    let height = padding + headerH + panels.map(\.height).max()! + padding
    var canvas = Canvas(width: width, height: height)
    var x = padding
    for (panel, lines) in zip(panels, titles) {
      var y = padding
      for (i, line) in lines.enumerated() {
        let size = i == 0 ? titleSize : labelSize
        let fitted = fit(line, width: panel.width, size: size, renderer: renderer)
        renderer.draw(
          fitted, size: size, at: Point(Double(x), Double(y)), color: .black, into: &canvas,
          anchor: .topLeft)
        y += lineHeight(i)
      }
      canvas.blit(
        panel,
        into: PixelRect(x: x, y: padding + headerH, width: panel.width, height: panel.height))
      x += panel.width + padding
    }
    return canvas.image
  }

  /// Arranges equally sized images edge to edge (no labels, `padding` px of `background`
  /// between cells), e.g. a batch of samples as one animation frame.
  public static func tile(
    _ images: [RasterImage], columns: Int, padding: Int = 2, background: UInt8 = 255
  ) -> RasterImage {
    precondition(!images.isEmpty && columns > 0, "tile needs images and columns > 0")
    let w = images[0].width
    let h = images[0].height
    let format = images[0].format
    precondition(
      images.allSatisfy { $0.width == w && $0.height == h && $0.format == format },
      "tile needs images of one size and format")
    let cols = min(columns, images.count)
    let rows = (images.count + cols - 1) / cols
    var out = RasterImage(
      width: cols * w + (cols - 1) * padding, height: rows * h + (rows - 1) * padding,
      format: format, filledWith: background)
    let ch = format.channels
    for (i, image) in images.enumerated() {
      let x0 = (i % cols) * (w + padding)
      let y0 = (i / cols) * (h + padding)
      for y in 0..<h {
        let src = y * w * ch
        let dst = ((y0 + y) * out.width + x0) * ch
        out.pixels.replaceSubrange(dst..<(dst + w * ch), with: image.pixels[src..<(src + w * ch)])
      }
    }
    return out
  }

  private static func place(
    _ image: RasterImage, scale: Int, cellX: Int, cellY: Int, cellW: Int, cellH: Int,
    on canvas: inout Canvas
  ) {
    let w = image.width * scale
    let h = image.height * scale
    canvas.blit(
      image,
      into: PixelRect(x: cellX + (cellW - w) / 2, y: cellY + (cellH - h) / 2, width: w, height: h))
  }

  /// `label`, or its longest prefix plus "…" that fits in `width` pixels.
  ///
  /// The width of a prefix is the sum of its characters' advances (`measure` adds advances, no
  /// kerning), so one pass over the characters finds the cut, and it stops at the first
  /// character that overflows: the work is bounded by `width`, not by the label's length (a
  /// prompt of a megabyte is cut as fast as one of a line).
  public static func fit(_ label: String, width: Int, size: Int, renderer: TextRenderer)
    -> String
  {
    let ellipsis = renderer.measure("…", size: size).width
    var used = 0
    // The end of the longest prefix that still leaves room for the ellipsis.
    var cut = label.startIndex
    var index = label.startIndex
    while index < label.endIndex {
      let next = label.index(after: index)
      used += renderer.measure(String(label[index..<next]), size: size).width
      if used <= width - ellipsis { cut = next }
      if used > width { return String(label[..<cut]) + "…" }
      index = next
    }
    return label
  }
}
