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
}
