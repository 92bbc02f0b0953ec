import Foundation

/// Where a figure's plot area sits and how data maps onto it.
///
/// Mapping: with T the axis transform (identity, or log10 for log axes), a value v on an axis of
/// range [lo, hi] and length L pixels lands at (T(v) − T(lo)) / (T(hi) − T(lo)) · L from the left
/// (x) or from the bottom (y) edge of `plotRect`.
public struct PlotLayout: Sendable, Equatable {
  /// The plot area in canvas pixels (inside the axes frame).
  public var plotRect: PixelRect
  public var xRange: ClosedRange<Double>
  public var yRange: ClosedRange<Double>
  public var xScale: AxisScale
  public var yScale: AxisScale
  public var xTicks: [Double]
  public var yTicks: [Double]

  static func transform(_ v: Double, _ scale: AxisScale) -> Double {
    scale == .log ? (v > 0 ? log10(v) : -.infinity) : v
  }

  static func inverse(_ t: Double, _ scale: AxisScale) -> Double {
    scale == .log ? pow(10, t) : t
  }

  /// Horizontal position relative to the plot area's left edge.
  func localX(_ x: Double) -> Double {
    let a = Self.transform(xRange.lowerBound, xScale)
    let b = Self.transform(xRange.upperBound, xScale)
    return (Self.transform(x, xScale) - a) / (b - a) * Double(plotRect.width)
  }

  /// Vertical position relative to the plot area's top edge.
  func localY(_ y: Double) -> Double {
    let a = Self.transform(yRange.lowerBound, yScale)
    let b = Self.transform(yRange.upperBound, yScale)
    return Double(plotRect.height) - (Self.transform(y, yScale) - a) / (b - a)
      * Double(plotRect.height)
  }

  /// The canvas position of data point (x, y); nil when it cannot be mapped (non-finite, or ≤ 0
  /// on a log axis). Points outside the ranges map outside the plot area.
  public func pixel(x: Double, y: Double) -> Point? {
    let px = localX(x)
    let py = localY(y)
    guard px.isFinite, py.isFinite else { return nil }
    return Point(Double(plotRect.x) + px, Double(plotRect.y) + py)
  }

  /// The data point whose image is local plot-area position (px, py).
  func data(localX px: Double, localY py: Double) -> (Double, Double) {
    let ax = Self.transform(xRange.lowerBound, xScale)
    let bx = Self.transform(xRange.upperBound, xScale)
    let ay = Self.transform(yRange.lowerBound, yScale)
    let by = Self.transform(yRange.upperBound, yScale)
    let tx = ax + px / Double(plotRect.width) * (bx - ax)
    let ty = ay + (Double(plotRect.height) - py) / Double(plotRect.height) * (by - ay)
    return (Self.inverse(tx, xScale), Self.inverse(ty, yScale))
  }
}

extension Figure {
  /// Every data coordinate the marks need to show, per axis, plus whether the axes should be
  /// tight (a heat map fills them) and whether y should start at 0 (bars).
  func dataExtents() -> (xs: [Double], ys: [Double], tight: Bool, bars: Bool) {
    var xs: [Double] = []
    var ys: [Double] = []
    var tight = false
    var bars = false
    for mark in marks {
      switch mark {
      case .line(let x, let y, _, _, _, _), .scatter(let x, let y, _, _, _):
        xs += x
        ys += y
      case .area(let x, let y, let base, _, _):
        xs += x
        ys += y
        switch base {
        case .y(let v): ys.append(v)
        case .x(let v): xs.append(v)
        }
      case .bars(let edges, let heights, _, _):
        xs += edges
        ys += heights + [0]
        bars = true
      case .heatMap(_, _, _, let x, let y, _, _, _):
        xs += [x.lowerBound, x.upperBound]
        ys += [y.lowerBound, y.upperBound]
        tight = true
      case .arrows(let x, let y, let dx, let dy, let s, _, _):
        xs += x + zip(x, dx).map { $0 + s * $1 }
        ys += y + zip(y, dy).map { $0 + s * $1 }
      case .image(_, let x, let y, _, _), .text(_, let x, let y, _, _):
        xs.append(x)
        ys.append(y)
      }
    }
    return (xs, ys, tight, bars)
  }

  /// Range for one axis: the fixed one, else the data's with a 5 % margin in transformed units.
  static func axisRange(
    _ spec: AxisSpec, values: [Double], tight: Bool, zeroFloor: Bool
  ) -> ClosedRange<Double> {
    if let r = spec.range, r.upperBound > r.lowerBound { return r }
    let usable = values.filter { $0.isFinite && (spec.scale == .linear || $0 > 0) }
    let fallback: ClosedRange<Double> = spec.scale == .log ? 1...10 : 0...1
    guard var lo = usable.min(), var hi = usable.max() else { return fallback }
    if spec.scale == .log {
      var a = log10(lo)
      var b = log10(hi)
      if b - a < 1e-12 {
        a -= 0.5
        b += 0.5
      } else if !tight {
        let m = 0.05 * (b - a)
        a -= m
        b += m
      }
      return pow(10, a)...pow(10, b)
    }
    if hi - lo < 1e-12 * max(abs(lo), 1) {
      let d = max(abs(lo) * 0.1, 0.5)
      lo -= d
      hi += d
    } else if !tight {
      let m = 0.05 * (hi - lo)
      let dataLo = lo
      lo -= m
      hi += m
      if zeroFloor && dataLo >= 0 && lo < 0 { lo = 0 }
    }
    return lo...hi
  }

  static func ticks(_ range: ClosedRange<Double>, _ scale: AxisScale, targetCount: Int) -> [Double]
  {
    scale == .log
      ? NiceTicks.log(range.lowerBound, range.upperBound)
      : NiceTicks.linear(range.lowerBound, range.upperBound, targetCount: targetCount)
  }

  func tickLabels(_ ticks: [Double], _ scale: AxisScale) -> [String] {
    if scale == .log { return ticks.map(NiceTicks.logLabel) }
    let step = ticks.count >= 2 ? ticks[1] - ticks[0] : max(abs(ticks.first ?? 1), 1)
    return ticks.map { NiceTicks.label($0, step: step) }
  }

  var titleSize: Int { Int((Double(fontSize) * 1.3).rounded()) }
  var axisTitleSize: Int { Int((Double(fontSize) * 1.15).rounded()) }

  /// The colour-bar mark, if any heat map asks for one: (range, map).
  var colorBar: (ClosedRange<Double>, ColorMap)? {
    for mark in marks {
      if case .heatMap(let values, _, _, _, _, let map, let range, true) = mark {
        return (range ?? Self.valueRange(values), map)
      }
    }
    return nil
  }

  static func valueRange(_ values: [Double]) -> ClosedRange<Double> {
    let finite = values.filter(\.isFinite)
    let lo = finite.min() ?? 0
    let hi = finite.max() ?? 1
    return hi > lo ? lo...hi : lo...(lo + 1)
  }

  /// Computes ranges, ticks and the plot area for drawing into `rect`.
  public func layout(in rect: PixelRect, text: TextRenderer) -> PlotLayout {
    let extents = dataExtents()
    let xr = Self.axisRange(x, values: extents.xs, tight: extents.tight, zeroFloor: false)
    let yr = Self.axisRange(y, values: extents.ys, tight: extents.tight, zeroFloor: extents.bars)
    let xt = x.showTicks ? Self.ticks(xr, x.scale, targetCount: max(4, rect.width / 100)) : []
    let yt = y.showTicks ? Self.ticks(yr, y.scale, targetCount: max(4, rect.height / 60)) : []
    let labelH = text.measure("0", size: fontSize).height
    let yLabelW = tickLabels(yt, y.scale).map { text.measure($0, size: fontSize).width }.max() ?? 0
    var left = 10 + (y.showTicks ? yLabelW + 10 : 0)
    if y.title != nil { left += text.measure("Ag", size: axisTitleSize).height + 6 }
    var bottom = 8 + (x.showTicks ? labelH + 10 : 0)
    if x.title != nil { bottom += text.measure("Ag", size: axisTitleSize).height + 6 }
    let top =
      margins?.top ?? (12 + (title != nil ? text.measure("Ag", size: titleSize).height + 8 : 0))
    var right = 20
    if let (range, _) = colorBar {
      let labels = tickLabels(NiceTicks.linear(range.lowerBound, range.upperBound), .linear)
      right += 18 + 14 + (labels.map { text.measure($0, size: fontSize).width }.max() ?? 0)
    }
    if let m = margins {
      left = m.left
      right = m.right
      bottom = m.bottom
    }
    let plot = PixelRect(
      x: rect.x + left, y: rect.y + top, width: max(rect.width - left - right, 10),
      height: max(rect.height - top - bottom, 10))
    return PlotLayout(
      plotRect: plot, xRange: xr, yRange: yr, xScale: x.scale, yScale: y.scale, xTicks: xt,
      yTicks: yt)
  }
}
