import Foundation
import Imaging

/// Article figure 5: what conditioning means for a distribution. A 2-D joint p(x, y) (a mixture
/// of three correlated Gaussians) with its marginals p(x) and p(y) on the sides, and the slice at
/// y = y₁ renormalised into the conditional p(x | y = y₁) = p(x, y₁) / p(y₁) — a text prompt
/// plays the role of y for the glyph model. All densities are exact (`GaussianMixture2D`).
public enum ConditioningFigure: ExplainFigure {
  public static let name = "conditioning"
  public static let caption =
    "A joint distribution p(x, y) with its marginals, and the slice at y = y₁ renormalised into the conditional p(x | y = y₁)."
  public static let needs: Set<ExplainInput> = []

  public static let joint = GaussianMixture2D([
    .init(weight: 0.45, mean: SIMD2(-1, -0.5), xx: 0.35, xy: 0.2, yy: 0.4),
    .init(weight: 0.35, mean: SIMD2(1.2, 0.9), xx: 0.3, xy: -0.15, yy: 0.25),
    .init(weight: 0.2, mean: SIMD2(0.1, 1.7), xx: 0.5, xy: 0, yy: 0.1),
  ])
  public static let sliceY = 1.0
  static let xRange = -3.0...3.5
  static let yRange = -2.5...3.0

  static func grid(_ r: ClosedRange<Double>, _ n: Int) -> [Double] {
    (0..<n).map { r.lowerBound + (r.upperBound - r.lowerBound) * Double($0) / Double(n - 1) }
  }

  public static func render(_ context: ExplainContext) throws -> [String] {
    let text = try TextRenderer.shared()
    let n = context.quick ? 90 : 220
    let xs = grid(xRange, 300)
    let ys = grid(yRange, 300)
    let highlight = ExplainStyle.highlight
    let jointMargins = PlotMargins(left: 72, right: 12, top: 12, bottom: 52)

    var map = Figure(width: 520, height: 520)
    map.fontSize = ExplainStyle.fontSize
    map.margins = jointMargins
    map.gridLines = false
    map.x = AxisSpec(title: "x", range: xRange)
    map.y = AxisSpec(title: "y", range: yRange)
    let values = (0..<(n * n)).map { i in
      let x =
        xRange.lowerBound + (xRange.upperBound - xRange.lowerBound) * (Double(i % n) + 0.5)
        / Double(n)
      let y =
        yRange.upperBound - (yRange.upperBound - yRange.lowerBound) * (Double(i / n) + 0.5)
        / Double(n)
      return joint.density(SIMD2(x, y))
    }
    map.heatMap(
      values, rows: n, columns: n, x: xRange, y: yRange, colorMap: ExplainStyle.density,
      colorBar: false)
    map.line(
      x: [xRange.lowerBound, xRange.upperBound], y: [sliceY, sliceY], color: highlight, width: 2,
      style: .dashed)
    map.text(
      String(format: "y = y₁ = %.1f", sliceY), x: xRange.upperBound - 0.9, y: sliceY + 0.22,
      size: ExplainStyle.fontSize, color: highlight)

    var top = Figure(width: 520, height: 170, title: "p(x, y) and its marginals")
    top.fontSize = ExplainStyle.fontSize
    top.margins = PlotMargins(left: 72, right: 12, top: 44, bottom: 8)
    top.x = AxisSpec(range: xRange, showTicks: false)
    let px = xs.map(joint.marginalX)
    top.y = AxisSpec(title: "p(x)", range: 0...(1.12 * px.max()!))
    top.area(x: xs, y: px, color: ExplainStyle.data)
    top.line(x: xs, y: px, color: ExplainStyle.data, width: 2)

    var side = Figure(width: 170, height: 520)
    side.fontSize = ExplainStyle.fontSize
    side.margins = PlotMargins(left: 8, right: 18, top: 12, bottom: 52)
    let py = ys.map(joint.marginalY)
    side.x = AxisSpec(title: "p(y)", range: 0...(1.12 * py.max()!))
    side.y = AxisSpec(range: yRange, showTicks: false)
    side.area(x: py, y: ys, base: .x(0), color: ExplainStyle.data)
    side.line(x: py, y: ys, color: ExplainStyle.data, width: 2)
    side.scatter(x: [joint.marginalY(sliceY)], y: [sliceY], color: highlight, radius: 4)

    var slice = Figure(width: 560, height: 520 + 170, title: "Conditioning on y = y₁")
    slice.fontSize = ExplainStyle.fontSize
    slice.margins = PlotMargins(left: 72, right: 16, top: 44, bottom: 52)
    slice.x = AxisSpec(title: "x", range: xRange)
    let conditional = xs.map { joint.conditionalX($0, givenY: sliceY) }
    slice.y = AxisSpec(title: "density", range: 0...(1.08 * conditional.max()!))
    slice.area(x: xs, y: conditional, color: highlight, opacity: 0.2)
    slice.line(
      x: xs, y: conditional, color: highlight, width: 2.5,
      label: "p(x | y₁) = p(x, y₁) / p(y₁)")
    slice.line(
      x: xs, y: xs.map { joint.density(SIMD2($0, sliceY)) }, color: highlight, width: 1.5,
      style: .dotted, label: "slice p(x, y₁)")
    slice.line(
      x: xs, y: px, color: ExplainStyle.data, width: 2, style: .dashed,
      label: "marginal p(x)")
    slice.legend = .topLeft

    var canvas = Canvas(width: 520 + 170 + 20 + 560, height: 690)
    top.render(into: &canvas, rect: PixelRect(x: 0, y: 0, width: 520, height: 170), text: text)
    map.render(into: &canvas, rect: PixelRect(x: 0, y: 170, width: 520, height: 520), text: text)
    side.render(into: &canvas, rect: PixelRect(x: 520, y: 170, width: 170, height: 520), text: text)
    slice.render(
      into: &canvas, rect: PixelRect(x: 710, y: 0, width: 560, height: 690), text: text)
    return [try context.writePNG(canvas.image, as: "\(name).png")]
  }
}
