/// Drawing the marks onto the plot-area canvas (local coordinates: origin at the area's top left).
extension Figure {
  func drawMarks(on area: inout Canvas, layout: PlotLayout, text: TextRenderer) {
    func local(_ x: Double, _ y: Double) -> Point? {
      let px = layout.localX(x)
      let py = layout.localY(y)
      return px.isFinite && py.isFinite ? Point(px, py) : nil
    }
    // Heat maps first so lines and points stay visible on top of them.
    let ordered =
      marks.filter { if case .heatMap = $0 { true } else { false } }
      + marks.filter { if case .heatMap = $0 { false } else { true } }
    for mark in ordered {
      switch mark {
      case .line(let xs, let ys, let color, let width, let style, _):
        // Split at unmappable points so NaN gaps stay gaps.
        var run: [Point] = []
        for (x, y) in zip(xs, ys) {
          if let p = local(x, y) {
            run.append(p)
          } else {
            area.drawPolyline(run, color: color, width: width, style: style)
            run.removeAll()
          }
        }
        area.drawPolyline(run, color: color, width: width, style: style)

      case .scatter(let xs, let ys, let color, let radius, _):
        for (x, y) in zip(xs, ys) {
          if let p = local(x, y) { area.fillCircle(center: p, radius: radius, color: color) }
        }

      case .area(let xs, let ys, let base, let color, _):
        fillArea(xs, ys, base: base, color: color, on: &area, layout: layout)

      case .bars(let edges, let heights, let color, _):
        let base = layout.yScale == .log ? layout.yRange.lowerBound : 0
        for (i, h) in heights.enumerated() {
          guard let a = local(edges[i], base), let b = local(edges[i + 1], h) else { continue }
          let x0 = Int(a.x.rounded())
          let x1 = Int(b.x.rounded())
          let y0 = Int(min(a.y, b.y).rounded())
          let y1 = Int(max(a.y, b.y).rounded())
          // One pixel gap between neighbouring bars when they are wide enough.
          let gap = x1 - x0 > 4 ? 1 : 0
          area.fillRect(
            PixelRect(x: x0, y: y0, width: x1 - x0 - gap, height: y1 - y0), color: color)
        }

      case .heatMap(let values, let rows, let columns, let xr, let yr, let map, let range, _):
        let r = range ?? Self.valueRange(values)
        let span = r.upperBound - r.lowerBound
        for py in 0..<area.height {
          for px in 0..<area.width {
            let (dx, dy) = layout.data(localX: Double(px) + 0.5, localY: Double(py) + 0.5)
            guard xr.contains(dx), yr.contains(dy) else { continue }
            let c = min(
              columns - 1,
              Int((dx - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * Double(columns)))
            let row = min(
              rows - 1, Int((yr.upperBound - dy) / (yr.upperBound - yr.lowerBound) * Double(rows)))
            let v = values[row * columns + c]
            guard v.isFinite else { continue }
            area.blendByte(
              x: px, y: py, color: map.color(at: (v - r.lowerBound) / span), alpha: 255)
          }
        }

      case .arrows(let xs, let ys, let dxs, let dys, let s, let color, let width):
        for i in xs.indices {
          guard let a = local(xs[i], ys[i]), let b = local(xs[i] + s * dxs[i], ys[i] + s * dys[i])
          else { continue }
          let len = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
          guard len >= 0.5 else { continue }
          // Heads scale with short arrows so tiny vectors stay readable.
          area.drawArrow(
            from: a, to: b, color: color, width: width, headLength: min(4 * width + 4, 0.4 * len))
        }

      case .image(let image, let x, let y, let size, let tint):
        guard let c = local(x, y) else { continue }
        let longer = max(image.width, image.height)
        let w = max(1, size * image.width / longer)
        let h = max(1, size * image.height / longer)
        area.blit(
          image,
          into: PixelRect(
            x: Int((c.x - Double(w) / 2).rounded()), y: Int((c.y - Double(h) / 2).rounded()),
            width: w, height: h),
          tint: tint)

      case .text(let string, let x, let y, let size, let color):
        guard let c = local(x, y) else { continue }
        text.draw(string, size: size, at: c, color: color, into: &area, anchor: .center)
      }
    }
  }

  /// Fills between a polyline and its base one pixel column at a time (one pixel row for a
  /// vertical base), so neighbouring pieces never overlap: the curve's position at the column's
  /// centre is interpolated linearly between the two points around it, and each pixel gets the
  /// fraction of its height that lies between curve and base as coverage (anti-aliased ends).
  private func fillArea(
    _ xs: [Double], _ ys: [Double], base: AreaBase, color: Color, on area: inout Canvas,
    layout: PlotLayout
  ) {
    // Local pixel coordinates; `u` runs along the sweep axis, `v` across it.
    let vertical: Bool
    let baseV: Double
    switch base {
    case .y(let v):
      vertical = true
      baseV = layout.localY(v)
    case .x(let v):
      vertical = false
      baseV = layout.localX(v)
    }
    var points: [(u: Double, v: Double)] = []
    for (x, y) in zip(xs, ys) {
      let px = layout.localX(x)
      let py = layout.localY(y)
      guard px.isFinite, py.isFinite else { continue }
      points.append(vertical ? (px, py) : (py, px))
    }
    guard points.count >= 2, baseV.isFinite else { return }
    points.sort { $0.u < $1.u }
    let sweep = vertical ? area.width : area.height
    let across = vertical ? area.height : area.width
    var k = 0
    for i in 0..<sweep {
      let c = Double(i) + 0.5
      guard c >= points[0].u, c <= points[points.count - 1].u else { continue }
      while k + 2 < points.count && points[k + 1].u < c { k += 1 }
      let (a, b) = (points[k], points[k + 1])
      let curve = b.u > a.u ? a.v + (b.v - a.v) * (c - a.u) / (b.u - a.u) : max(a.v, b.v)
      let lo = max(min(curve, baseV), 0)
      let hi = min(max(curve, baseV), Double(across))
      guard hi > lo else { continue }
      for j in Int(lo.rounded(.down))..<min(across, Int(hi.rounded(.up))) {
        // Overlap of pixel [j, j+1) with [lo, hi].
        let coverage = min(Double(j + 1), hi) - max(Double(j), lo)
        if vertical {
          area.blend(x: i, y: j, color: color, coverage: coverage)
        } else {
          area.blend(x: j, y: i, color: color, coverage: coverage)
        }
      }
    }
  }
}
