/// Drawing a figure: frame, grid, ticks, labels, titles, legend and colour bar around the marks.
extension Figure {
  static let axisColor = Color(grey: 40)
  static let gridColor = Color(grey: 232)

  /// Draws the figure into `rect` of `canvas` (the rect is first filled with `background`).
  public func render(into canvas: inout Canvas, rect: PixelRect, text: TextRenderer) {
    canvas.fillRect(rect, color: background)
    let layout = layout(in: rect, text: text)
    let p = layout.plotRect

    // Plot area on its own canvas, so marks are clipped to it.
    var area = Canvas(width: p.width, height: p.height, background: background)
    if gridLines {
      for t in layout.xTicks {
        let px = Int(layout.localX(t).rounded(.down))
        area.fillRect(PixelRect(x: px, y: 0, width: 1, height: p.height), color: Self.gridColor)
      }
      for t in layout.yTicks {
        let py = Int(layout.localY(t).rounded(.down))
        area.fillRect(PixelRect(x: 0, y: py, width: p.width, height: 1), color: Self.gridColor)
      }
    }
    drawMarks(on: &area, layout: layout, text: text)
    canvas.blit(area.image, into: p)

    // Frame just outside the plot area.
    canvas.strokeRect(
      PixelRect(x: p.x - 1, y: p.y - 1, width: p.width + 2, height: p.height + 2),
      color: Self.axisColor)

    // Ticks (5 px, outward) and their labels.
    let xLabels = tickLabels(layout.xTicks, x.scale)
    for (t, label) in zip(layout.xTicks, xLabels) {
      let px = p.x + Int(layout.localX(t).rounded(.down))
      canvas.fillRect(
        PixelRect(x: px, y: p.y + p.height + 1, width: 1, height: 5), color: Self.axisColor)
      text.draw(
        label, size: fontSize, at: Point(Double(px), Double(p.y + p.height + 8)),
        color: Self.axisColor, into: &canvas, anchor: .top)
    }
    let yLabels = tickLabels(layout.yTicks, y.scale)
    for (t, label) in zip(layout.yTicks, yLabels) {
      let py = p.y + Int(layout.localY(t).rounded(.down))
      canvas.fillRect(PixelRect(x: p.x - 6, y: py, width: 5, height: 1), color: Self.axisColor)
      text.draw(
        label, size: fontSize, at: Point(Double(p.x - 9), Double(py)), color: Self.axisColor,
        into: &canvas, anchor: .right)
    }

    // Titles.
    if let title {
      text.draw(
        title, size: titleSize, at: Point(Double(p.x) + Double(p.width) / 2, Double(rect.y + 10)),
        color: .black, into: &canvas, anchor: .top)
    }
    if let t = x.title {
      text.draw(
        t, size: axisTitleSize,
        at: Point(Double(p.x) + Double(p.width) / 2, Double(rect.y + rect.height - 6)),
        color: .black, into: &canvas, anchor: .bottom)
    }
    if let t = y.title {
      // Rotated: the text's top edge faces left, so anchor `.top` puts it at the left margin.
      text.draw(
        t, size: axisTitleSize,
        at: Point(Double(rect.x + 8), Double(p.y) + Double(p.height) / 2), color: .black,
        into: &canvas, anchor: .top, rotated: true)
    }
    drawLegend(on: &canvas, plot: p, text: text)
    drawColorBar(on: &canvas, plot: p, text: text)
  }

  /// Legend entries: (label, mark) for every labelled mark.
  private var legendEntries: [(String, PlotMark)] {
    marks.compactMap { mark in
      switch mark {
      case .line(_, _, _, _, _, let label?), .scatter(_, _, _, _, let label?),
        .bars(_, _, _, let label?), .area(_, _, _, _, let label?):
        return (label, mark)
      default: return nil
      }
    }
  }

  private func drawLegend(on canvas: inout Canvas, plot p: PixelRect, text: TextRenderer) {
    let entries = legendEntries
    guard legend != .hidden, !entries.isEmpty else { return }
    let rowH = text.measure("Ag", size: fontSize).height + 4
    let sample = 28
    let labelW = entries.map { text.measure($0.0, size: fontSize).width }.max()!
    let w = 10 + sample + 8 + labelW + 10
    let h = 8 + rowH * entries.count + 4
    let x: Int
    let y: Int
    switch legend {
    case .topLeft, .bottomLeft: x = p.x + 10
    default: x = p.x + p.width - w - 10
    }
    switch legend {
    case .bottomLeft, .bottomRight: y = p.y + p.height - h - 10
    default: y = p.y + 10
    }
    let box = PixelRect(x: x, y: y, width: w, height: h)
    canvas.fillRect(box, color: Color.white.withOpacity(0.85))
    canvas.strokeRect(box, color: Color(grey: 190))
    for (i, (label, mark)) in entries.enumerated() {
      let cy = Double(y + 6 + i * rowH) + Double(rowH) / 2
      let sx = Double(x + 10)
      switch mark {
      case .line(_, _, let color, let width, let style, _):
        canvas.drawPolyline(
          [Point(sx, cy), Point(sx + Double(sample), cy)], color: color, width: width, style: style)
      case .scatter(_, _, let color, let radius, _):
        canvas.fillCircle(center: Point(sx + Double(sample) / 2, cy), radius: radius, color: color)
      case .bars(_, _, let color, _), .area(_, _, _, let color, _):
        canvas.fillRect(
          PixelRect(x: Int(sx) + 4, y: Int(cy) - 6, width: sample - 8, height: 12), color: color)
      default: break
      }
      text.draw(
        label, size: fontSize, at: Point(sx + Double(sample) + 8, cy), color: .black,
        into: &canvas, anchor: .left)
    }
  }

  private func drawColorBar(on canvas: inout Canvas, plot p: PixelRect, text: TextRenderer) {
    guard let (range, map) = colorBar else { return }
    let bar = PixelRect(x: p.x + p.width + 18, y: p.y, width: 14, height: p.height)
    let span = range.upperBound - range.lowerBound
    for row in 0..<bar.height {
      // Row 0 (top) is the maximum.
      let t = 1 - (Double(row) + 0.5) / Double(bar.height)
      canvas.fillRect(
        PixelRect(x: bar.x, y: bar.y + row, width: bar.width, height: 1), color: map.color(at: t))
    }
    canvas.strokeRect(
      PixelRect(x: bar.x - 1, y: bar.y - 1, width: bar.width + 2, height: bar.height + 2),
      color: Self.axisColor)
    let ticks = NiceTicks.linear(range.lowerBound, range.upperBound)
    for (t, label) in zip(ticks, tickLabels(ticks, .linear)) {
      let py =
        bar.y + Int((Double(bar.height) * (1 - (t - range.lowerBound) / span)).rounded(.down))
      canvas.fillRect(
        PixelRect(x: bar.x + bar.width + 1, y: py, width: 4, height: 1), color: Self.axisColor)
      text.draw(
        label, size: fontSize, at: Point(Double(bar.x + bar.width + 7), Double(py)),
        color: Self.axisColor, into: &canvas, anchor: .left)
    }
  }
}
