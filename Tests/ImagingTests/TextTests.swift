import Foundation
import Testing

@testable import Imaging

/// Ink pixels (any channel below 128) inside `rect`, and outside it.
func inkCount(_ canvas: Canvas, inside rect: PixelRect) -> (inside: Int, outside: Int) {
  var inside = 0
  var outside = 0
  for y in 0..<canvas.height {
    for x in 0..<canvas.width {
      let c = canvas[x, y]
      guard min(c.r, c.g, c.b) < 128 else { continue }
      let within = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height
      if within { inside += 1 } else { outside += 1 }
    }
  }
  return (inside, outside)
}

/// Writes `image` as PNG under $GLYFFUSER_IMAGING_OUT when set (for looking at the results).
func saveForInspection(_ image: RasterImage, _ name: String) throws {
  guard let dir = ProcessInfo.processInfo.environment["GLYFFUSER_IMAGING_OUT"] else { return }
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  try Data(PNGEncoder.encode(image)).write(to: URL(fileURLWithPath: "\(dir)/\(name).png"))
}

@Test func textInkLiesInsideTheMeasuredBox() throws {
  let text = try TextRenderer.shared()
  let size = 24
  let m = text.measure("Hello, glyph", size: size)
  #expect(m.width > 100 && m.width < 24 * 12)
  #expect(m.ascent > 15 && m.ascent <= 30 && m.descent > 2 && m.descent <= 10)
  var canvas = Canvas(width: 300, height: 80)
  let origin = Point(20, 50)
  text.draw("Hello, glyph", size: size, at: origin, color: .black, into: &canvas)
  let box = PixelRect(x: 20, y: 50 - m.ascent, width: m.width, height: m.height)
  let ink = inkCount(canvas, inside: box)
  #expect(ink.inside > 200)
  #expect(ink.outside == 0)
  try saveForInspection(canvas.image, "text-latin")
}

@Test func textRendersCJKGlyphs() throws {
  let text = try TextRenderer.shared()
  // "金" alone: Noto CJK has it (DejaVu does not), so the fallback must supply ink.
  let m = text.measure("金", size: 32)
  #expect(m.width >= 28 && m.width <= 36)  // CJK ideographs are one em wide
  var canvas = Canvas(width: 60, height: 60)
  text.draw("金", size: 32, at: Point(30, 30), color: .black, into: &canvas, anchor: .center)
  let ink = inkCount(canvas, inside: PixelRect(x: 10, y: 10, width: 40, height: 40))
  #expect(ink.inside > 100)
  #expect(ink.outside == 0)
  // A mixed label measures as the sum of its parts.
  let mixed = text.measure("金 gold", size: 20).width
  let parts = text.measure("金", size: 20).width + text.measure(" gold", size: 20).width
  #expect(mixed == parts)
  var label = Canvas(width: 120, height: 40)
  text.draw("金 gold", size: 20, at: Point(4, 20), color: .black, into: &label, anchor: .left)
  try saveForInspection(label.image, "text-cjk")
}

@Test func textAnchorsAndRotation() throws {
  let text = try TextRenderer.shared()
  let m = text.measure("Wide text", size: 18)
  // Right/centre anchors put the ink left of / around the point.
  var c = Canvas(width: 200, height: 60)
  text.draw("Wide text", size: 18, at: Point(150, 30), color: .black, into: &c, anchor: .right)
  #expect(
    inkCount(c, inside: PixelRect(x: 150 - m.width - 2, y: 0, width: m.width + 3, height: 60))
      .outside == 0)
  // Rotated text is taller than wide.
  let mask = text.renderMask("Wide text", size: 18)
  let r = mask.rotatedCounterClockwise
  #expect(r.width == mask.height && r.height == mask.width)
  // Reading bottom to top: the first letter's columns become the bottom rows.
  let firstAdvance = text.measure("W", size: 18).width
  var firstColumns = 0
  for y in 0..<mask.height {
    for x in 0..<firstAdvance { firstColumns += Int(mask.coverage[y * mask.width + x]) }
  }
  let bottomRows = r.coverage[((r.height - firstAdvance) * r.width)...].reduce(0) { $0 + Int($1) }
  #expect(firstColumns > 0 && bottomRows == firstColumns)
}

@Test func textReportsMissingFonts() {
  #expect(throws: TextError.fontNotFound(path: "/nonexistent/font.ttf")) {
    try TextRenderer(fontPath: "/nonexistent/font.ttf")
  }
  #expect {
    try TextRenderer(fontPath: FontSpec.notoSansCJK.path, family: "No Such Family")
  } throws: { error in
    guard case TextError.familyNotFound(_, "No Such Family", let available) = error else {
      return false
    }
    return available.contains("Noto Sans CJK SC")
  }
}

@Test func notoAloneRendersLatinAndCJK() throws {
  // The fallback used where DejaVu is not installed: one face of the Noto CJK collection.
  let noto = try TextRenderer(fonts: [.notoSansCJK])
  var c = Canvas(width: 160, height: 40)
  noto.draw("水 water", size: 20, at: Point(4, 20), color: .black, into: &c, anchor: .left)
  let m = noto.measure("水 water", size: 20)
  let box = PixelRect(x: 4, y: 20 - m.height / 2 - 1, width: m.width + 1, height: m.height + 2)
  let ink = inkCount(c, inside: box)
  #expect(ink.inside > 100 && ink.outside == 0)
  #expect(noto.measure("水", size: 20).width == 20)  // full-width ideograph: one em
}
