import Foundation
import Testing

@testable import Imaging

private func glyph(_ size: Int, _ value: UInt8) -> RasterImage {
  // A black square in the middle of a white tile.
  var img = RasterImage(width: size, height: size, format: .grey, filledWith: 255)
  for y in (size / 4)..<(3 * size / 4) {
    for x in (size / 4)..<(3 * size / 4) { img.pixels[y * size + x] = value }
  }
  return img
}

@Test func gridDimensionsAndCaptions() throws {
  let text = try TextRenderer.shared()
  let images = (0..<7).map { glyph(32, UInt8($0 * 20)) }
  let labels = ["金 gold", "bird", "water", "tree", "fire", "a mental illness", "to speak"]
  let grid = try ImageGrid.make(
    images: images, columns: 4, labels: labels, cellPadding: 6, labelSize: 12, scale: 2, text: text)
  let captionH = text.measure("Ag金", size: 12).height + 4
  #expect(grid.format == .rgb)
  #expect(grid.width == 4 * 64 + 5 * 6)
  #expect(grid.height == 2 * (64 + captionH) + 3 * 6)
  let canvas = Canvas(image: grid)
  // The first cell's square (scaled 2×) is black at its centre; padding is white.
  #expect(canvas[6 + 32, 6 + 32] == .black)
  #expect(canvas[2, 2] == .white)
  // Caption ink under the first cell, nothing under the empty 8th cell.
  let captionRow = PixelRect(x: 6, y: 6 + 64, width: 64, height: captionH)
  #expect(
    inkCount(
      Canvas(image: crop(grid, captionRow)), inside: PixelRect(x: 0, y: 0, width: 0, height: 0)
    ).outside > 20)
  let empty = PixelRect(x: 6 + 3 * 70, y: 6 + 64 + captionH + 6, width: 64, height: 64 + captionH)
  #expect(
    inkCount(Canvas(image: crop(grid, empty)), inside: PixelRect(x: 0, y: 0, width: 0, height: 0))
      .outside == 0)
  try saveForInspection(grid, "grid-captions")
}

@Test func gridWithRowLabels() throws {
  let text = try TextRenderer.shared()
  let rows = [(0..<5).map { glyph(24, UInt8($0 * 40)) }, (0..<3).map { glyph(24, UInt8($0 * 60)) }]
  let labels = ["gold", "a very long prompt about water"]
  let grid = try ImageGrid.make(
    rows: rows, rowLabels: labels, cellPadding: 4, labelSize: 14, text: text)
  let labelW = min(320, labels.map { text.measure($0, size: 14).width }.max()! + 4)
  #expect(grid.width == labelW + 5 * 24 + 7 * 4)
  #expect(grid.height == 2 * 24 + 3 * 4)
  try saveForInspection(grid, "grid-rows")
}

@Test func tileKeepsPixelsExact() {
  let a = RasterImage(width: 2, height: 2, format: .grey, pixels: [1, 2, 3, 4])
  let b = RasterImage(width: 2, height: 2, format: .grey, pixels: [5, 6, 7, 8])
  let t = ImageGrid.tile([a, b, a], columns: 2, padding: 1, background: 9)
  #expect(t.width == 5 && t.height == 5)
  #expect(Array(t.pixels[0..<5]) == [1, 2, 9, 5, 6])
  #expect(Array(t.pixels[5..<10]) == [3, 4, 9, 7, 8])
  #expect(Array(t.pixels[10..<15]) == [9, 9, 9, 9, 9])
  #expect(Array(t.pixels[15..<20]) == [1, 2, 9, 9, 9])
}

@Test func longCaptionsAreShortened() throws {
  let text = try TextRenderer.shared()
  let fitted = ImageGrid.fit(
    String(repeating: "wide ", count: 20), width: 60, size: 12, renderer: text)
  #expect(fitted.hasSuffix("…"))
  #expect(text.measure(fitted, size: 12).width <= 60)
}

/// The one-pass cut equals the naive definition (longest prefix whose measured width with "…"
/// fits), and a megabyte of text is cut in bounded time.
@Test func captionCutMatchesTheNaiveDefinitionAndIsBounded() throws {
  let text = try TextRenderer.shared()
  func naive(_ label: String, _ width: Int) -> String {
    if text.measure(label, size: 12).width <= width { return label }
    var chars = Array(label)
    while !chars.isEmpty {
      chars.removeLast()
      let candidate = String(chars) + "…"
      if text.measure(candidate, size: 12).width <= width { return candidate }
    }
    return "…"
  }
  for label in ["gold", "a mental illness; insanity", "金 metal 金属 ore", "e\u{301}te\u{301}", ""] {
    for width in [0, 5, 20, 40, 60, 200] {
      #expect(
        ImageGrid.fit(label, width: width, size: 12, renderer: text) == naive(label, width),
        "\(label) at \(width)")
    }
  }
  let start = Date()
  let huge = String(repeating: "to speak; ", count: 100_000)
  let cut = ImageGrid.fit(huge, width: 120, size: 12, renderer: text)
  #expect(cut.hasSuffix("…") && cut.count < 100)
  let marks = String(repeating: "\u{301}", count: 100_000)
  _ = ImageGrid.fit(marks, width: 120, size: 12, renderer: text)
  #expect(Date().timeIntervalSince(start) < 2)
}

func crop(_ image: RasterImage, _ r: PixelRect) -> RasterImage {
  let ch = image.format.channels
  var px: [UInt8] = []
  for y in r.y..<(r.y + r.height) {
    let start = (y * image.width + r.x) * ch
    px += image.pixels[start..<(start + r.width * ch)]
  }
  return RasterImage(width: r.width, height: r.height, format: image.format, pixels: px)
}

@Test func sideBySidePanelsSitUnderTheirTitlesPixelForPixel() throws {
  let text = try TextRenderer.shared()
  let a = glyph(40, 0)
  let b = glyph(24, 100)
  let titles = [["shipped model", "radical top-1 0.312"], ["trained here"]]
  let image = try ImageGrid.sideBySide(
    [a, b], titles: titles, padding: 10, titleSize: 16, labelSize: 12, text: text)
  let header =
    (text.measure("Ag金", size: 16).height + 4) + (text.measure("Ag金", size: 12).height + 4)
  #expect(image.width == 40 + 24 + 3 * 10)
  #expect(image.height == 10 + header + 40 + 10)
  let canvas = Canvas(image: image)
  // Each panel is copied unscaled below the tallest header: a's square at its centre, b's grey.
  #expect(canvas[10 + 20, 10 + header + 20] == .black)
  #expect(canvas[10 + 40 + 10 + 12, 10 + header + 12] == Color(grey: 100))
  #expect(canvas[10 + 40 + 10 + 1, 10 + header + 1] == .white)
  // Ink in both title blocks, none in the padding column between the panels.
  let titleA = PixelRect(x: 10, y: 10, width: 40, height: header)
  let gap = PixelRect(x: 10 + 40 + 1, y: 0, width: 8, height: image.height)
  let none = PixelRect(x: 0, y: 0, width: 0, height: 0)
  #expect(inkCount(Canvas(image: crop(image, titleA)), inside: none).outside > 20)
  #expect(inkCount(Canvas(image: crop(image, gap)), inside: none).outside == 0)
  try saveForInspection(image, "grid-side-by-side")
}
