/// Linear or logarithmic (base 10) axis.
public enum AxisScale: Sendable, Equatable {
  case linear
  case log
}

/// One axis of a figure.
public struct AxisSpec: Sendable, Equatable {
  /// Axis title (under the x axis, rotated left of the y axis).
  public var title: String?
  public var scale: AxisScale = .linear
  /// Fixed data range; nil fits the data (with a 5 % margin, none when the figure holds a heat
  /// map, whose cells then fill the axes).
  public var range: ClosedRange<Double>?
  /// Draw ticks and tick labels.
  public var showTicks = true
  public init(
    title: String? = nil, scale: AxisScale = .linear, range: ClosedRange<Double>? = nil,
    showTicks: Bool = true
  ) {
    self.title = title
    self.scale = scale
    self.range = range
    self.showTicks = showTicks
  }
}

/// Corner of the plot area holding the legend.
public enum LegendPosition: Sendable, Equatable {
  case topRight, topLeft, bottomRight, bottomLeft, hidden
}

/// The second edge of a filled area: the curve is filled towards a horizontal line (`y(v)`: the
/// curve is a function of x, e.g. a density) or a vertical line (`x(v)`: a function of y, e.g. a
/// marginal density drawn sideways).
public enum AreaBase: Sendable, Equatable {
  case y(Double)
  case x(Double)
}

/// Fixed space in pixels between a figure's rect and its plot area (ticks, labels and titles must
/// fit in it). Figures that share an axis on one canvas use equal margins so their axes line up.
public struct PlotMargins: Sendable, Equatable {
  public var left: Int
  public var right: Int
  public var top: Int
  public var bottom: Int
  public init(left: Int, right: Int, top: Int, bottom: Int) {
    self.left = left
    self.right = right
    self.top = top
    self.bottom = bottom
  }
}

/// A mark (series) in a figure; data coordinates unless said otherwise.
public enum PlotMark: Sendable {
  case line(x: [Double], y: [Double], color: Color, width: Double, style: LineStyle, label: String?)
  case scatter(x: [Double], y: [Double], color: Color, radius: Double, label: String?)
  /// The region between the polyline (x[i], y[i]) and `base`, filled with `color` (usually
  /// translucent).
  case area(x: [Double], y: [Double], base: AreaBase, color: Color, label: String?)
  /// Bars spanning edges[i]..<edges[i+1] from 0 up to heights[i].
  case bars(edges: [Double], heights: [Double], color: Color, label: String?)
  /// Row-major `rows × columns` values; row 0 at the top of the y range. `colorRange` nil: the
  /// data's min…max.
  case heatMap(
    values: [Double], rows: Int, columns: Int, x: ClosedRange<Double>, y: ClosedRange<Double>,
    colorMap: ColorMap, colorRange: ClosedRange<Double>?, colorBar: Bool)
  /// Arrows from (x, y) to (x + scale·dx, y + scale·dy) in data units.
  case arrows(
    x: [Double], y: [Double], dx: [Double], dy: [Double], scale: Double, color: Color,
    width: Double)
  /// An image centred on (x, y), `size` pixels on its longer side.
  case image(RasterImage, x: Double, y: Double, size: Int, tint: Color?)
  /// Text at a data point, centred.
  case text(String, x: Double, y: Double, size: Int, color: Color)
}

/// A single-panel chart: axes with nice ticks, optional title, axis titles and legend, and any
/// number of marks. Build it with the mutating methods, then `render`. Several figures can share
/// one canvas through `render(into:rect:text:)`.
///
///     var f = Figure(width: 800, height: 500, title: "Training loss")
///     f.y = AxisSpec(title: "loss", scale: .log)
///     f.line(x: steps, y: train, label: "train")
///     f.line(x: valSteps, y: val, style: .dotted, label: "validation")
///     let png = try PNGEncoder.encode(f.render())
public struct Figure: Sendable {
  public var width: Int
  public var height: Int
  public var title: String?
  public var x = AxisSpec()
  public var y = AxisSpec()
  public var legend = LegendPosition.topRight
  /// Light grid lines at the ticks.
  public var gridLines = true
  /// Tick label size in pixels; titles are 1.15× (axes) and 1.3× (figure) this.
  public var fontSize = 14
  public var background = Color.white
  /// Fixed margins around the plot area; nil computes them from the labels.
  public var margins: PlotMargins?
  public private(set) var marks: [PlotMark] = []
  private var seriesCount = 0

  public init(width: Int = 800, height: Int = 500, title: String? = nil) {
    self.width = width
    self.height = height
    self.title = title
  }

  public mutating func add(_ mark: PlotMark) { marks.append(mark) }

  private mutating func nextColor(_ color: Color?) -> Color {
    defer { seriesCount += 1 }
    return color ?? SeriesPalette.color(seriesCount)
  }

  /// A line through (x[i], y[i]); non-finite points (and non-positive ones on log axes) break it.
  public mutating func line(
    x: [Double], y: [Double], color: Color? = nil, width: Double = 2, style: LineStyle = .solid,
    label: String? = nil
  ) {
    precondition(x.count == y.count, "line: \(x.count) x values, \(y.count) y values")
    add(.line(x: x, y: y, color: nextColor(color), width: width, style: style, label: label))
  }

  /// A line y[i] against i.
  public mutating func line(
    _ y: [Double], color: Color? = nil, width: Double = 2, style: LineStyle = .solid,
    label: String? = nil
  ) {
    line(
      x: y.indices.map(Double.init), y: y, color: color, width: width, style: style, label: label)
  }

  /// A filled area between the curve (x[i], y[i]) and `base` (default: down to y = 0).
  public mutating func area(
    x: [Double], y: [Double], base: AreaBase = .y(0), color: Color? = nil, opacity: Double = 0.3,
    label: String? = nil
  ) {
    precondition(x.count == y.count, "area: \(x.count) x values, \(y.count) y values")
    add(
      .area(x: x, y: y, base: base, color: nextColor(color).withOpacity(opacity), label: label))
  }

  public mutating func scatter(
    x: [Double], y: [Double], color: Color? = nil, radius: Double = 3, label: String? = nil
  ) {
    precondition(x.count == y.count, "scatter: \(x.count) x values, \(y.count) y values")
    add(.scatter(x: x, y: y, color: nextColor(color), radius: radius, label: label))
  }

  /// Histogram of `values` in `bins` equal bins over `range` (nil: min…max of the finite values).
  /// With `density`, bar areas sum to 1 (heights = count / (n · bin width)), as numpy's
  /// `histogram(density=True)`. Values outside the range are dropped; the last bin includes its
  /// right edge. Returns (edges, heights).
  @discardableResult
  public mutating func histogram(
    _ values: [Double], bins: Int = 30, range: ClosedRange<Double>? = nil, density: Bool = false,
    color: Color? = nil, label: String? = nil
  ) -> (edges: [Double], heights: [Double]) {
    let h = Self.histogram(values, bins: bins, range: range, density: density)
    add(.bars(edges: h.edges, heights: h.heights, color: nextColor(color), label: label))
    return h
  }

  /// The histogram computation alone (see `histogram(_:bins:range:density:color:label:)`).
  public static func histogram(
    _ values: [Double], bins: Int, range: ClosedRange<Double>? = nil, density: Bool = false
  ) -> (edges: [Double], heights: [Double]) {
    precondition(bins > 0, "histogram needs bins > 0")
    let finite = values.filter(\.isFinite)
    var lo = range?.lowerBound ?? finite.min() ?? 0
    var hi = range?.upperBound ?? finite.max() ?? 1
    if hi <= lo {
      lo -= 0.5
      hi += 0.5
    }
    let w = (hi - lo) / Double(bins)
    let edges = (0...bins).map { lo + Double($0) * w }
    var counts = [Double](repeating: 0, count: bins)
    var n = 0
    for v in finite where v >= lo && v <= hi {
      counts[min(Int((v - lo) / w), bins - 1)] += 1
      n += 1
    }
    if density && n > 0 { counts = counts.map { $0 / (Double(n) * w) } }
    return (edges, counts)
  }

  public mutating func heatMap(
    _ values: [Double], rows: Int, columns: Int, x: ClosedRange<Double>, y: ClosedRange<Double>,
    colorMap: ColorMap = .viridis, colorRange: ClosedRange<Double>? = nil, colorBar: Bool = true
  ) {
    precondition(
      values.count == rows * columns, "heatMap: \(values.count) values for \(rows)x\(columns)")
    add(
      .heatMap(
        values: values, rows: rows, columns: columns, x: x, y: y, colorMap: colorMap,
        colorRange: colorRange, colorBar: colorBar))
  }

  /// A quiver plot: arrows (dx, dy)·scale from each (x, y).
  public mutating func arrows(
    x: [Double], y: [Double], dx: [Double], dy: [Double], scale: Double = 1,
    color: Color = .black, width: Double = 1.2
  ) {
    precondition(
      Set([x.count, y.count, dx.count, dy.count]).count == 1, "arrows: arrays of unequal length")
    add(.arrows(x: x, y: y, dx: dx, dy: dy, scale: scale, color: color, width: width))
  }

  /// An image tile centred on a data point (e.g. glyphs on a UMAP scatter).
  public mutating func image(
    _ image: RasterImage, x: Double, y: Double, size: Int = 32, tint: Color? = nil
  ) {
    add(.image(image, x: x, y: y, size: size, tint: tint))
  }

  public mutating func text(
    _ text: String, x: Double, y: Double, size: Int = 14, color: Color = .black
  ) {
    add(.text(text, x: x, y: y, size: size, color: color))
  }

  /// Renders to a new RGB image of `width × height`.
  public func render(text: TextRenderer? = nil) throws -> RasterImage {
    let renderer = try text ?? TextRenderer.shared()
    var canvas = Canvas(width: width, height: height, background: background)
    render(
      into: &canvas, rect: PixelRect(x: 0, y: 0, width: width, height: height), text: renderer)
    return canvas.image
  }
}
