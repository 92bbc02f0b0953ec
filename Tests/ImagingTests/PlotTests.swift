import Foundation
import Testing

@testable import Imaging

@Test func niceStepsAreOneTwoFive() {
  #expect(NiceTicks.niceStep(atLeast: 0.7) == 1)
  #expect(NiceTicks.niceStep(atLeast: 1) == 1)
  #expect(NiceTicks.niceStep(atLeast: 1.2) == 2)
  #expect(NiceTicks.niceStep(atLeast: 2) == 2)
  #expect(NiceTicks.niceStep(atLeast: 3) == 5)
  #expect(NiceTicks.niceStep(atLeast: 7) == 10)
  #expect(abs(NiceTicks.niceStep(atLeast: 0.0031) - 0.005) < 1e-15)
  #expect(NiceTicks.niceStep(atLeast: 180) == 200)
  // Heckbert's rounding: nearest in the 1-2-5 sequence with thresholds 1.5, 3, 7.
  #expect(NiceTicks.niceStep(near: 1.4) == 1)
  #expect(NiceTicks.niceStep(near: 2.22) == 2)
  #expect(NiceTicks.niceStep(near: 3.1) == 5)
  #expect(NiceTicks.niceStep(near: 0.08) == 0.1)
}

@Test func linearTicks() {
  #expect(NiceTicks.linear(0, 1, targetCount: 6) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
  #expect(NiceTicks.linear(0, 10, targetCount: 6) == [0, 2, 4, 6, 8, 10])
  #expect(NiceTicks.linear(-3.2, 7.9, targetCount: 6) == [-2, 0, 2, 4, 6])
  #expect(NiceTicks.linear(0, 20_000, targetCount: 5) == [0, 5000, 10000, 15000, 20000])
  // No "-0" and ticks exactly at the ends are kept.
  let t = NiceTicks.linear(-1, 1, targetCount: 5)
  #expect(t == [-1, -0.5, 0, 0.5, 1] && t[2].sign == .plus)
  #expect(NiceTicks.linear(5, 5) == [5])
}

@Test func logTicks() {
  #expect(NiceTicks.log(1e-4, 1) == [1e-4, 1e-3, 1e-2, 1e-1, 1])
  #expect(NiceTicks.log(0.03, 0.9) == [0.03, 0.05, 0.1, 0.2, 0.3, 0.5])
  #expect(NiceTicks.log(0.011, 0.08) == [0.02, 0.03, 0.05])
  #expect(NiceTicks.log(1e-20, 1).count <= 8)
}

@Test func tickLabels() {
  #expect(NiceTicks.label(0.4, step: 0.2) == "0.4")
  #expect(NiceTicks.label(2000, step: 500) == "2000")
  #expect(NiceTicks.label(-0.05, step: 0.05) == "-0.05")
  #expect(NiceTicks.label(3e7, step: 1e7) == "3e7")
  #expect(NiceTicks.logLabel(0.001) == "0.001")
  #expect(NiceTicks.logLabel(1e-5) == "1e-5")
  #expect(NiceTicks.logLabel(20) == "20")
  #expect(NiceTicks.logLabel(2.5e-6) == "2.5e-6")
}

@Test func histogramCountsAndDensity() {
  let h = Figure.histogram([0, 0.1, 0.5, 0.99, 1, 2, .nan], bins: 2, range: 0...1)
  #expect(h.edges == [0, 0.5, 1])
  #expect(h.heights == [2, 3])  // 2 and NaN dropped; 1 goes into the last bin
  let d = Figure.histogram((0..<1000).map { Double($0) / 999 }, bins: 10, density: true)
  let area = zip(d.heights, zip(d.edges, d.edges.dropFirst())).reduce(0.0) {
    $0 + $1.0 * ($1.1.1 - $1.1.0)
  }
  #expect(abs(area - 1) < 1e-12)
}

@Test func horizontalLineLandsOnItsMappedRow() throws {
  let text = try TextRenderer.shared()
  var f = Figure(width: 400, height: 300, title: "y = 0.5")
  f.y = AxisSpec(title: "value", range: 0...1)
  f.x = AxisSpec(title: "step", range: 0...10)
  f.gridLines = false
  f.line(x: [0, 10], y: [0.5, 0.5], color: .black, width: 2)
  let image = try f.render(text: text)
  let layout = f.layout(in: PixelRect(x: 0, y: 0, width: 400, height: 300), text: text)
  let p = layout.plotRect
  let canvas = Canvas(image: image)
  let row = Int(layout.pixel(x: 5, y: 0.5)!.y)  // centre of the 2 px line
  #expect(row == p.y + p.height / 2)
  for x in stride(from: p.x + 5, to: p.x + p.width - 5, by: 7) {
    #expect(canvas[x, row].r < 30)
    #expect(canvas[x, row - 4] == .white && canvas[x, row + 4] == .white)
  }
  // The frame: dark pixels just outside the plot area on all four sides.
  #expect(canvas[p.x - 1, p.y + 10].r < 80 && canvas[p.x + p.width, p.y + 10].r < 80)
  #expect(canvas[p.x + 10, p.y - 1].r < 80 && canvas[p.x + 10, p.y + p.height].r < 80)
  // Tick labels below the axis and the title above: ink outside the plot area.
  let below = crop(
    image,
    PixelRect(
      x: p.x - 10, y: p.y + p.height + 2, width: p.width + 20, height: 300 - p.y - p.height - 2))
  #expect(
    inkCount(Canvas(image: below), inside: PixelRect(x: 0, y: 0, width: 0, height: 0)).outside > 50)
  try saveForInspection(image, "plot-hline")
}

@Test func logAxisMapsDecadesEvenly() throws {
  let text = try TextRenderer.shared()
  var f = Figure(width: 500, height: 400)
  f.y = AxisSpec(scale: .log, range: 1e-3...1)
  f.line(x: [0, 1, 2], y: [1, 0.1, 0.01])
  let l = f.layout(in: PixelRect(x: 0, y: 0, width: 500, height: 400), text: text)
  let a = l.pixel(x: 0, y: 1)!.y
  let b = l.pixel(x: 0, y: 0.1)!.y
  let c = l.pixel(x: 0, y: 0.01)!.y
  let d = l.pixel(x: 0, y: 0.001)!.y
  #expect(abs((b - a) - (c - b)) < 1e-9 && abs((d - c) - (c - b)) < 1e-9)
  #expect(abs(a - Double(l.plotRect.y)) < 1e-9)
  #expect(l.pixel(x: 0, y: 0) == nil)  // log(0) is not drawable
  #expect(l.yTicks == [1e-3, 1e-2, 1e-1, 1])
}

@Test func showcaseFigureRenders() throws {
  // Every mark kind in one figure (also written out for inspection).
  let text = try TextRenderer.shared()
  var f = Figure(width: 900, height: 560, title: "Every mark: 金 gold")
  f.x = AxisSpec(title: "x")
  f.y = AxisSpec(title: "density")
  var s: UInt64 = 42
  func uniform() -> Double {
    s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return (Double(s >> 11) + 0.5) / Double(1 << 53)
  }
  let samples = (0..<4000).map { _ in
    (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())
  }
  f.histogram(samples, bins: 40, density: true, color: Color(hex: 0x9ECAE1), label: "samples")
  let xs = stride(from: -4.0, through: 4, by: 0.05).map { $0 }
  f.line(
    x: xs, y: xs.map { exp(-$0 * $0 / 2) / (2 * .pi).squareRoot() }, color: .black, label: "N(0, 1)"
  )
  f.line(
    x: xs, y: xs.map { exp(-$0 * $0 / 2.4) / (2.4 * .pi).squareRoot() }, color: .red,
    style: .dotted, label: "fit")
  f.scatter(x: [-3, -2.5, 2.5, 3], y: [0.3, 0.35, 0.3, 0.35], label: "points")
  f.arrows(x: [-3, 3], y: [0.05, 0.05], dx: [1, -1], dy: [0.05, 0.05], color: .blue)
  f.image(RasterImage(width: 8, height: 8, format: .grey, filledWith: 0), x: 0, y: 0.45, size: 24)
  let img = try f.render(text: text)
  #expect(img.width == 900 && img.height == 560)
  try saveForInspection(img, "plot-showcase")

  var h = Figure(width: 500, height: 400, title: "heat map")
  let n = 40
  h.heatMap(
    (0..<(n * n)).map { i in Double(i % n) * Double(i / n) }, rows: n, columns: n, x: 0...1,
    y: 0...1)
  let hm = try h.render(text: text)
  let l = h.layout(in: PixelRect(x: 0, y: 0, width: 500, height: 400), text: text)
  let c = Canvas(image: hm)
  // Row 0 of the data is at the top; value 0 there → viridis(0); bottom-right cell is the max.
  let topLeft = c[l.plotRect.x + 2, l.plotRect.y + 2]
  let bottomRight = c[l.plotRect.x + l.plotRect.width - 2, l.plotRect.y + l.plotRect.height - 2]
  #expect(topLeft == ColorMap.viridis.color(at: 0))
  #expect(bottomRight == ColorMap.viridis.color(at: 1))
  try saveForInspection(hm, "plot-heatmap")
}

@Test func colorMapEndsAndMidpoints() {
  #expect(ColorMap.viridis.color(at: 0) == Color(hex: 0x440154))
  #expect(ColorMap.viridis.color(at: 1) == Color(hex: 0xFDE725))
  #expect(ColorMap.viridis.color(at: 0.5) == Color(hex: 0x21918C))
  #expect(ColorMap.greys.color(at: 0.5) == Color(grey: 128))
  #expect(ColorMap.viridis.color(at: 2) == ColorMap.viridis.color(at: 1))
}

@Test func panelsTileFigures() throws {
  let text = try TextRenderer.shared()
  var a = Figure(width: 300, height: 200, title: "linear")
  a.line([1, 0.5, 0.2, 0.1])
  var b = Figure(width: 300, height: 240, title: "cosine")
  b.y = AxisSpec(scale: .log)
  b.line([1, 0.5, 0.2, 0.1], style: .dashed)
  let img = try Figure.renderPanels([a, b, a], columns: 2, text: text)
  #expect(img.width == 600 && img.height == 480)
  // The second panel's frame starts right of the first panel.
  let lb = b.layout(in: PixelRect(x: 300, y: 0, width: 300, height: 240), text: text)
  let c = Canvas(image: img)
  #expect(c[lb.plotRect.x - 1, lb.plotRect.y + 20].r < 80)
  try saveForInspection(img, "plot-panels")
}
