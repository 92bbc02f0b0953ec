import Foundation
import GlyphData
import Imaging

/// `report.png` and the glyph grids of an evaluation, written by `glyffuser eval --out DIR`.
public enum EvalReportImage {
  /// The report: the headline numbers, family adherence as bars (prompt → its radical), and
  /// the 16 generated glyphs closest to a training glyph beside that glyph.
  public static func render(report: EvalReport, details: EvalDetails, glyphs: EvalGlyphs) throws
    -> RasterImage
  {
    let text = try TextRenderer.shared()
    var panels: [RasterImage] = []
    panels.append(try headline(report, text))
    if !details.family.isEmpty {
      var f = Figure(
        width: 1200, height: 380,
        title: "Family prompts: share of glyphs judged to have the radical (top-1)")
      let m = details.family.count
      f.y = AxisSpec(title: "adherence", range: -0.14...1)
      f.x = AxisSpec(range: 0...Double(m), showTicks: false)
      f.add(
        .bars(
          edges: (0...m).map(Double.init), heights: details.family.map(\.adherence),
          color: SeriesPalette.color(0), label: nil))
      for (i, family) in details.family.enumerated() {
        f.text(family.prompt, x: Double(i) + 0.5, y: -0.045, size: 11)
        f.text(GlyphLabels.radicalSymbol(family.radical), x: Double(i) + 0.5, y: -0.105, size: 12)
      }
      panels.append(try f.render(text: text))
    }
    if !details.closest.isEmpty {
      let s = glyphs.size
      let n = s * s
      var pairs: [RasterImage] = []
      var labels: [String] = []
      for pair in details.closest {
        let g = RasterImage(
          width: s, height: s, format: .grey,
          pixels: Array(glyphs.generated[(pair.generated * n)..<((pair.generated + 1) * n)]))
        let cp = UInt32(pair.trainingCodepoint.dropFirst(2), radix: 16) ?? 0
        let t = glyphs.trainingCodepoints.firstIndex(of: cp) ?? 0
        let real = RasterImage(
          width: s, height: s, format: .grey,
          pixels: Array(glyphs.trainingPixels[(t * n)..<((t + 1) * n)]))
        pairs.append(ImageGrid.tile([g, real], columns: 2, padding: 2, background: 200))
        let ch = Unicode.Scalar(cp).map { String(Character($0)) } ?? "?"
        labels.append(String(format: "%.3f ", pair.distance) + ch)
      }
      var grid = try ImageGrid.make(
        images: pairs, columns: 8, labels: labels, labelSize: 12, scale: 3, text: text)
      grid = try titled(
        "Closest generated glyph (left) / training glyph (right), per-pixel RMS distance; copy "
          + String(format: "below %.3f", details.copyThreshold), grid, text)
      panels.append(grid)
    }
    return stack(panels)
  }

  /// One row per family prompt (or the first rows of held-out prompts), as a labelled grid.
  public static func grid(_ bytes: [UInt8], prompts: [String], size: Int, perRow: Int, maxRows: Int)
    throws -> RasterImage?
  {
    guard !prompts.isEmpty, perRow > 0 else { return nil }
    let n = size * size
    var rows: [[RasterImage]] = []
    var labels: [String] = []
    var i = 0
    while i < prompts.count && rows.count < maxRows {
      let end = min(prompts.count, i + perRow)
      rows.append(
        (i..<end).map {
          RasterImage(
            width: size, height: size, format: .grey,
            pixels: Array(bytes[($0 * n)..<(($0 + 1) * n)]))
        })
      labels.append(prompts[i])
      i = end
    }
    return try ImageGrid.make(rows: rows, rowLabels: labels, scale: max(1, 64 / size))
  }

  static func headline(_ r: EvalReport, _ text: TextRenderer) throws -> RasterImage {
    let lines = [
      String(
        format: "radical adherence top-1 %.3f (top-5 %.3f) · real glyphs %.3f · unconditional %.3f",
        r.radicalTop1, r.radicalTop5, r.radicalTop1Real, r.radicalTop1Uncond),
      String(
        format: "FD %.2f (real-vs-real floor %.2f) · KID %.4f ± %.4f · precision %.3f · recall %.3f"
          + " · copies %.3f", r.fd, r.fdRealFloor, r.kid, r.kidStd, r.precision, r.recall,
        r.copies),
      "\(r.settings.characters) held-out definitions × \(r.settings.perPrompt), "
        + "\(r.settings.sampler.rawValue) \(r.settings.steps) steps, guidance "
        + String(format: "%g", r.settings.guidance) + ", seed \(r.settings.seed) · "
        + URL(fileURLWithPath: r.model).pathComponents.suffix(2).joined(separator: "/")
        + String(format: " · %.0f s", r.seconds),
    ]
    var canvas = Canvas(width: 1200, height: 24 * lines.count + 16)
    for (i, line) in lines.enumerated() {
      text.draw(
        line, size: i == 2 ? 13 : 15, at: Point(12, Double(26 + 24 * i)), color: .black,
        into: &canvas)
    }
    return canvas.image
  }

  static func titled(_ title: String, _ image: RasterImage, _ text: TextRenderer) throws
    -> RasterImage
  {
    var canvas = Canvas(width: max(image.width, 1200), height: image.height + 30)
    text.draw(title, size: 14, at: Point(12, 20), color: .black, into: &canvas)
    canvas.blit(image, into: PixelRect(x: 0, y: 30, width: image.width, height: image.height))
    return canvas.image
  }

  /// Images one under another on white, left-aligned.
  static func stack(_ images: [RasterImage]) -> RasterImage {
    let width = images.map(\.width).max() ?? 1
    var canvas = Canvas(width: width, height: images.reduce(0) { $0 + $1.height + 8 })
    var y = 0
    for image in images {
      canvas.blit(image, into: PixelRect(x: 0, y: y, width: image.width, height: image.height))
      y += image.height + 8
    }
    return canvas.image
  }
}
