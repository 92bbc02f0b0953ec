import Testing

@testable import Imaging

/// The filled-area mark and fixed margins (used by the explain figures' marginal densities).
@Suite struct PlotAreaTests {
  static func figure(_ base: AreaBase) -> Figure {
    var f = Figure(width: 200, height: 160)
    f.margins = PlotMargins(left: 20, right: 10, top: 10, bottom: 30)
    f.gridLines = false
    f.x = AxisSpec(range: 0...1, showTicks: false)
    f.y = AxisSpec(range: 0...1, showTicks: false)
    f.area(x: [0, 1], y: [0, 1], base: base, color: .black, opacity: 1)
    return f
  }

  /// The diagonal y = x filled down to y = 0 inks the lower-right triangle only; filled towards
  /// x = 0 it inks the upper-left one.
  @Test func areaFillsBetweenCurveAndBase() throws {
    let text = try TextRenderer.shared()
    for (base, inked, blank) in [
      (AreaBase.y(0), (0.8, 0.2), (0.2, 0.8)), (AreaBase.x(0), (0.2, 0.8), (0.8, 0.2)),
    ] {
      let f = Self.figure(base)
      let layout = f.layout(in: PixelRect(x: 0, y: 0, width: 200, height: 160), text: text)
      let image = Canvas(image: try f.render(text: text))
      let a = try #require(layout.pixel(x: inked.0, y: inked.1))
      let b = try #require(layout.pixel(x: blank.0, y: blank.1))
      #expect(image[Int(a.x), Int(a.y)] == .black)
      #expect(image[Int(b.x), Int(b.y)] == .white)
    }
  }

  @Test func marginsFixThePlotArea() throws {
    let layout = Self.figure(.y(0)).layout(
      in: PixelRect(x: 5, y: 7, width: 200, height: 160), text: try TextRenderer.shared())
    #expect(layout.plotRect == PixelRect(x: 25, y: 17, width: 170, height: 120))
  }
}
