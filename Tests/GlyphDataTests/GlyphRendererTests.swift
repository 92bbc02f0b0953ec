import Foundation
import Imaging
import Testing

@testable import GlyphData

@Suite(.enabled(if: notoInstalled, "needs fonts-noto-cjk"))
struct GlyphRendererTests {
  @Test func collectionFaceIsChosenByFamilyName() throws {
    let face = try FontFace.locate()
    #expect(face.familyName == "Noto Sans CJK SC")
    #expect(face.styleName == "Regular")
    // Another family of the same .ttc resolves to a different index.
    let japanese = try FontFace.locate(family: "Noto Sans CJK JP")
    #expect(japanese.familyName == "Noto Sans CJK JP" && japanese.index != face.index)
    #expect(throws: GlyphDataError.self) { try FontFace.locate(family: "No Such Family") }
  }

  @Test func notoEmBoxComesFromOS2TypoMetrics() throws {
    // Noto CJK: sTypoAscender 880, sTypoDescender −120, unitsPerEm 1000.
    let renderer = try GlyphRenderer(font: try FontFace.locate(), size: 128, margin: 8)
    #expect(renderer.emTop == 0.88)
  }

  /// Horizontally symmetric glyphs: ink centred on the em box within 1 px at every size.
  @Test(arguments: [16, 64, 128, 200])
  func symmetricInkIsHorizontallyCentred(size: Int) throws {
    let renderer = try GlyphRenderer(font: try FontFace.locate(), size: size, margin: size / 16)
    for ch in ["金", "田", "回", "一", "中"] {
      let image = try #require(renderer.image(ch.unicodeScalars.first!.value))
      let ink = InkBox(pixels: image.pixels, size: size)
      #expect(abs(ink.centreX - Double(size) / 2) <= 1, "\(ch) at \(size): \(ink.centreX)")
    }
  }

  /// Ink centring: the glyph's bounding box is centred within 1 px on both axes, whatever the
  /// glyph's position in its em box.
  @Test(arguments: [32, 128])
  func inkCentringCentresTheBoundingBox(size: Int) throws {
    let renderer = try GlyphRenderer(
      font: try FontFace.locate(), size: size, margin: size / 16, centering: .ink)
    for ch in ["金", "㐀", "一", "田", "丿", "乙"] {
      let image = try #require(renderer.image(ch.unicodeScalars.first!.value))
      let ink = InkBox(pixels: image.pixels, size: size)
      #expect(abs(ink.centreX - Double(size) / 2) <= 1, "\(ch) x at \(size)")
      #expect(abs(ink.centreY - Double(size) / 2) <= 1, "\(ch) y at \(size)")
    }
  }

  /// Em-box placement keeps the designer's vertical offset, the same fraction of the em at
  /// every size (so it is the em box, not the ink, that is placed).
  @Test func emBoxOffsetScalesWithTheEm() throws {
    let font = try FontFace.locate()
    var fractions: [Double] = []
    for size in [64, 256] {
      let em = try GlyphRenderer(font: font, size: size, margin: 0)
      let ink = try GlyphRenderer(font: font, size: size, margin: 0, centering: .ink)
      let a = InkBox(pixels: try #require(em.image(0x7530)).pixels, size: size)  // 田
      let b = InkBox(pixels: try #require(ink.image(0x7530)).pixels, size: size)
      fractions.append((a.centreY - b.centreY) / Double(size))
    }
    // 1 px at 64 px is 1/64 of the em.
    #expect(abs(fractions[0] - fractions[1]) <= 1.0 / 64)
  }

  @Test func glyphIsBlackOnWhiteAntialiased() throws {
    let renderer = try GlyphRenderer(font: try FontFace.locate(), size: 128, margin: 8)
    let image = try #require(renderer.image(0x91D1))
    #expect(image.pixels.first == 255 && image.pixels.last == 255)  // white corners
    #expect(image.pixels.contains(0))  // solid black stems
    let greys = Set(image.pixels.filter { $0 > 0 && $0 < 255 })
    #expect(greys.count > 50)  // anti-aliased edges
    // Nothing is drawn in the margin.
    for y in 0..<128 where y < 8 || y >= 120 {
      #expect(image.pixels[(y * 128)..<((y + 1) * 128)].allSatisfy { $0 == 255 })
    }
  }

  @Test func codePointAbsentFromTheFontIsMissing() throws {
    let renderer = try GlyphRenderer(font: try FontFace.locate(), size: 32, margin: 2)
    // U+20009 (Extension B) has a kDefinition but no glyph in Noto Sans CJK SC.
    #expect(!renderer.hasGlyph(0x20009))
    var pixels = [UInt8](repeating: 0, count: 32 * 32)
    let outcome = pixels.withUnsafeMutableBufferPointer { renderer.render(0x20009, into: $0) }
    #expect(outcome == .missing)
    #expect(pixels.allSatisfy { $0 == 255 })
    #expect(renderer.image(0x20009) == nil)
    // A space has a glyph but no ink.
    var blank = [UInt8](repeating: 0, count: 32 * 32)
    #expect(blank.withUnsafeMutableBufferPointer { renderer.render(0x3000, into: $0) } == .blank)
  }

  @Test func sizesBelow16AndOversizedMarginsAreRejected() throws {
    let font = try FontFace.locate()
    #expect(throws: GlyphDataError.self) { try GlyphRenderer(font: font, size: 15, margin: 0) }
    #expect(throws: GlyphDataError.self) { try GlyphRenderer(font: font, size: 32, margin: 13) }
    _ = try GlyphRenderer(font: font, size: 16, margin: 1)
  }

  @Test func badFontFilesGiveTypedErrors() throws {
    #expect(throws: GlyphDataError.fontNotFound(path: "/nonexistent/font.ttc")) {
      try FontFace.locate(path: "/nonexistent/font.ttc")
    }
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let text = dir.appendingPathComponent("not-a-font.ttf")
    try Data("this is not a font\n".utf8).write(to: text)
    #expect(throws: GlyphDataError.notAFont(path: text.path)) {
      try FontFace.locate(path: text.path)
    }
    #expect(throws: GlyphDataError.self) { try FontFace.locate(path: dir.path) }  // a directory
  }
}
