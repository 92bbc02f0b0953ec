/// A point in canvas pixel coordinates (x right, y down; pixel centres at +0.5).
public struct Point: Sendable, Equatable {
  public var x: Double
  public var y: Double
  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
}

/// Stroke pattern for lines: `solid`, `dashed` (4w on, 3w off), `dotted` (round dots 2.5w apart),
/// with w the line width.
public enum LineStyle: Sendable, Equatable {
  case solid
  case dashed
  case dotted
}

/// Anti-aliased shapes. Coverage of a pixel is estimated from the signed distance d of its centre
/// to the shape's edge: coverage = clamp(0.5 − d, 0, 1) (a one-pixel box filter across the edge).
extension Canvas {
  /// A line segment of the given width with round caps (a capsule: all points within width/2 of
  /// the segment).
  public mutating func drawLine(
    from a: Point, to b: Point, color: Color, width lineWidth: Double = 1
  ) {
    let r = max(lineWidth, 0.5) / 2
    let dx = b.x - a.x
    let dy = b.y - a.y
    let len2 = dx * dx + dy * dy
    // Bounding box of the capsule, one pixel margin for the anti-aliasing ramp.
    let xmin = max(0, Int((min(a.x, b.x) - r - 1).rounded(.down)))
    let xmax = min(width - 1, Int((max(a.x, b.x) + r + 1).rounded(.up)))
    let ymin = max(0, Int((min(a.y, b.y) - r - 1).rounded(.down)))
    let ymax = min(height - 1, Int((max(a.y, b.y) + r + 1).rounded(.up)))
    guard xmin <= xmax, ymin <= ymax else { return }
    let steep = abs(dy) > abs(dx)
    // Walk along the major axis; on each row/column only visit the span near the line.
    let (outer, inner) = steep ? ((ymin...ymax), (xmin...xmax)) : ((xmin...xmax), (ymin...ymax))
    for o in outer {
      let oc = Double(o) + 0.5
      // Centre of the line on this row/column (clamped to the segment's extent).
      var centre: Double
      if steep {
        let t = dy == 0 ? 0 : min(max((oc - a.y) / dy, 0), 1)
        centre = a.x + t * dx
      } else {
        let t = dx == 0 ? 0 : min(max((oc - a.x) / dx, 0), 1)
        centre = a.y + t * dy
      }
      // The capsule's span across this line is at most r/cos + r; widen generously.
      let slope = steep ? abs(dx / max(abs(dy), 1e-9)) : abs(dy / max(abs(dx), 1e-9))
      let half = r * (1 + slope) + r + 2
      let lo = max(inner.lowerBound, Int((centre - half).rounded(.down)))
      let hi = min(inner.upperBound, Int((centre + half).rounded(.up)))
      guard lo <= hi else { continue }
      for i in lo...hi {
        let px = steep ? Double(i) + 0.5 : oc
        let py = steep ? oc : Double(i) + 0.5
        // Distance from the pixel centre to the segment.
        var t = len2 == 0 ? 0 : ((px - a.x) * dx + (py - a.y) * dy) / len2
        t = min(max(t, 0), 1)
        let ex = px - (a.x + t * dx)
        let ey = py - (a.y + t * dy)
        let d = (ex * ex + ey * ey).squareRoot() - r
        let coverage = min(max(0.5 - d, 0), 1)
        if coverage > 0 {
          let x = steep ? i : o
          let y = steep ? o : i
          blend(x: x, y: y, color: color, coverage: coverage)
        }
      }
    }
  }

  /// A polyline through `points`; dashes and dots follow the arc length across vertices.
  public mutating func drawPolyline(
    _ points: [Point], color: Color, width lineWidth: Double = 1, style: LineStyle = .solid
  ) {
    guard points.count >= 2 else {
      if let p = points.first { fillCircle(center: p, radius: lineWidth / 2, color: color) }
      return
    }
    switch style {
    case .solid:
      for k in 1..<points.count {
        drawLine(from: points[k - 1], to: points[k], color: color, width: lineWidth)
      }
    case .dashed, .dotted:
      let w = max(lineWidth, 1)
      let (on, period) = style == .dashed ? (4 * w, 7 * w) : (0.0, 2.5 * w)
      var phase = 0.0  // arc length since the start of the current period
      for k in 1..<points.count {
        let a = points[k - 1]
        let b = points[k]
        let len = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
        guard len > 0 else { continue }
        var s = 0.0  // position along this segment
        while s < len {
          let p = Point(a.x + (b.x - a.x) * s / len, a.y + (b.y - a.y) * s / len)
          if style == .dotted {
            if phase == 0 { fillCircle(center: p, radius: w * 0.6, color: color) }
            let step = min(period - phase, len - s)
            s += step
            phase += step
          } else if phase < on {
            let step = min(on - phase, len - s)
            let q = Point(
              a.x + (b.x - a.x) * (s + step) / len, a.y + (b.y - a.y) * (s + step) / len)
            drawLine(from: p, to: q, color: color, width: lineWidth)
            s += step
            phase += step
          } else {
            let step = min(period - phase, len - s)
            s += step
            phase += step
          }
          if phase >= period - 1e-9 { phase = 0 }
        }
      }
    }
  }

  /// A filled disc; coverage from the distance to the circle.
  public mutating func fillCircle(center c: Point, radius: Double, color: Color) {
    let r = max(radius, 0.5)
    let x0 = max(0, Int((c.x - r - 1).rounded(.down)))
    let x1 = min(width - 1, Int((c.x + r + 1).rounded(.up)))
    let y0 = max(0, Int((c.y - r - 1).rounded(.down)))
    let y1 = min(height - 1, Int((c.y + r + 1).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
      for x in x0...x1 {
        let dx = Double(x) + 0.5 - c.x
        let dy = Double(y) + 0.5 - c.y
        let d = (dx * dx + dy * dy).squareRoot() - r
        blend(x: x, y: y, color: color, coverage: min(max(0.5 - d, 0), 1))
      }
    }
  }

  /// A circle outline of the given line width.
  public mutating func strokeCircle(
    center c: Point, radius: Double, color: Color, width lineWidth: Double = 1
  ) {
    let h = lineWidth / 2
    let x0 = max(0, Int((c.x - radius - h - 1).rounded(.down)))
    let x1 = min(width - 1, Int((c.x + radius + h + 1).rounded(.up)))
    let y0 = max(0, Int((c.y - radius - h - 1).rounded(.down)))
    let y1 = min(height - 1, Int((c.y + radius + h + 1).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
      for x in x0...x1 {
        let dx = Double(x) + 0.5 - c.x
        let dy = Double(y) + 0.5 - c.y
        let d = abs((dx * dx + dy * dy).squareRoot() - radius) - h
        blend(x: x, y: y, color: color, coverage: min(max(0.5 - d, 0), 1))
      }
    }
  }

  /// A filled convex polygon (vertices in either winding); coverage from 4×4 supersampling.
  public mutating func fillConvexPolygon(_ vertices: [Point], color: Color) {
    guard vertices.count >= 3 else { return }
    let x0 = max(0, Int(vertices.map(\.x).min()!.rounded(.down)))
    let x1 = min(width - 1, Int(vertices.map(\.x).max()!.rounded(.up)))
    let y0 = max(0, Int(vertices.map(\.y).min()!.rounded(.down)))
    let y1 = min(height - 1, Int(vertices.map(\.y).max()!.rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    let n = vertices.count
    // Inside test: every edge cross product has the same sign.
    func inside(_ px: Double, _ py: Double) -> Bool {
      var pos = false
      var neg = false
      for k in 0..<n {
        let a = vertices[k]
        let b = vertices[(k + 1) % n]
        let cross = (b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x)
        if cross > 0 { pos = true } else if cross < 0 { neg = true }
        if pos && neg { return false }
      }
      return true
    }
    for y in y0...y1 {
      for x in x0...x1 {
        var hits = 0
        for sy in 0..<4 {
          for sx in 0..<4
          where inside(Double(x) + (Double(sx) + 0.5) / 4, Double(y) + (Double(sy) + 0.5) / 4) {
            hits += 1
          }
        }
        blend(x: x, y: y, color: color, coverage: Double(hits) / 16)
      }
    }
  }

  /// An arrow from `a` to `b`: a shaft of `width` and a triangular head `headLength` long
  /// (default 4·width + 4) and 0.6·headLength wide, tip exactly at `b`.
  public mutating func drawArrow(
    from a: Point, to b: Point, color: Color, width lineWidth: Double = 1,
    headLength: Double? = nil
  ) {
    let dx = b.x - a.x
    let dy = b.y - a.y
    let len = (dx * dx + dy * dy).squareRoot()
    guard len > 0 else { return }
    let head = min(headLength ?? (4 * lineWidth + 4), len)
    let ux = dx / len
    let uy = dy / len
    let base = Point(b.x - ux * head, b.y - uy * head)
    if len > head { drawLine(from: a, to: base, color: color, width: lineWidth) }
    let hw = 0.3 * head
    fillConvexPolygon(
      [b, Point(base.x - uy * hw, base.y + ux * hw), Point(base.x + uy * hw, base.y - ux * hw)],
      color: color)
  }
}
