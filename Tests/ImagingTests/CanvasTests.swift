import Testing

@testable import Imaging

/// Naive reference for `drawLine`: the capsule coverage evaluated at every pixel of the canvas
/// (the fast version only visits a span around the line on each row/column).
private func referenceLine(
  _ canvas: inout Canvas, from a: Point, to b: Point, color: Color, width: Double
) {
  let r = max(width, 0.5) / 2
  let dx = b.x - a.x
  let dy = b.y - a.y
  let len2 = dx * dx + dy * dy
  for y in 0..<canvas.height {
    for x in 0..<canvas.width {
      let px = Double(x) + 0.5
      let py = Double(y) + 0.5
      let t = len2 == 0 ? 0 : min(max(((px - a.x) * dx + (py - a.y) * dy) / len2, 0), 1)
      let ex = px - (a.x + t * dx)
      let ey = py - (a.y + t * dy)
      let d = (ex * ex + ey * ey).squareRoot() - r
      canvas.blend(x: x, y: y, color: color, coverage: min(max(0.5 - d, 0), 1))
    }
  }
}

@Test(arguments: [
  (Point(3, 4), Point(57, 9), 1.0), (Point(10, 2), Point(14, 58), 3.0),
  (Point(50, 50), Point(5, 5), 2.5), (Point(-10, 30), Point(70, 31), 1.5),
  (Point(30, 30), Point(30, 30), 4.0), (Point(20.3, 5.7), Point(20.3, 50.2), 0.8),
])
func lineMatchesNaiveReference(a: Point, b: Point, width: Double) {
  var fast = Canvas(width: 60, height: 60)
  var naive = Canvas(width: 60, height: 60)
  let color = Color(r: 10, g: 80, b: 200, a: 230)
  fast.drawLine(from: a, to: b, color: color, width: width)
  referenceLine(&naive, from: a, to: b, color: color, width: width)
  #expect(fast.pixels == naive.pixels)
}

@Test func blendingIsSourceOver() {
  var c = Canvas(width: 2, height: 1, background: Color(grey: 100))
  c.blend(x: 0, y: 0, color: Color(r: 255, g: 0, b: 200, a: 128))
  // (255·128 + 100·127 + 127) / 255 = 178, (0 + 12700 + 127)/255 = 50, (25600 + 12700 + 127)/255 = 150
  #expect(c[0, 0] == Color(r: 178, g: 50, b: 150))
  #expect(c[1, 0] == Color(grey: 100))
  c.blend(x: 1, y: 0, color: .black, coverage: 0.5)
  #expect(c[1, 0] == Color(grey: 50))
  c.blend(x: 5, y: 0, color: .black)  // outside: ignored, no crash
}

@Test func circleAreaAndArrowTip() {
  var c = Canvas(width: 60, height: 60)
  c.fillCircle(center: Point(30, 30), radius: 10, color: .black)
  // Coverage-weighted ink ≈ π r².
  var ink = 0.0
  for y in 0..<60 { for x in 0..<60 { ink += Double(255 - Int(c[x, y].r)) / 255 } }
  #expect(abs(ink - Double.pi * 100) < 3)

  var a = Canvas(width: 60, height: 20)
  a.drawArrow(from: Point(5, 10), to: Point(50, 10), color: .black, width: 2)
  #expect(a[46, 10].r < 100)  // head near the tip
  #expect(a[52, 10].r > 200)  // nothing beyond it
  #expect(a[20, 10].r < 60)  // shaft
  #expect(a[40, 8].r < 100 && a[20, 8].r > 200)  // the head is wider than the shaft
}

@Test func blitScalesNearestAndTints() {
  let img = RasterImage(width: 2, height: 2, format: .grey, pixels: [0, 255, 255, 0])
  var c = Canvas(width: 8, height: 8, background: Color(r: 1, g: 2, b: 3))
  c.blit(img, into: PixelRect(x: 2, y: 2, width: 4, height: 4))
  #expect(c[2, 2] == .black && c[3, 3] == .black && c[4, 2] == .white && c[5, 5] == .black)
  #expect(c[1, 1] == Color(r: 1, g: 2, b: 3) && c[6, 6] == Color(r: 1, g: 2, b: 3))
  c.blit(img, into: PixelRect(x: 0, y: 0, width: 2, height: 2), tint: .red)
  #expect(c[0, 0] == .red && c[1, 0] == .white)
}

@Test func dottedLinesHaveGaps() {
  var c = Canvas(width: 100, height: 10)
  c.drawPolyline([Point(0, 5), Point(100, 5)], color: .black, width: 2, style: .dotted)
  let row = (0..<100).map { c[$0, 5].r }
  #expect(row.contains { $0 < 50 } && row.contains { $0 > 240 })
  var s = Canvas(width: 100, height: 10)
  s.drawPolyline([Point(0, 5), Point(100, 5)], color: .black, width: 2)
  #expect((2..<98).allSatisfy { s[$0, 5].r < 50 })
}
