import CFreeType
import Imaging

/// What rendering one code point produced.
public enum RenderOutcome: Sendable, Equatable {
  case rendered
  /// The font's cmap has no glyph for it (`FT_Get_Char_Index` returned 0).
  case missing
  /// A glyph exists but draws no ink (it would be a blank image).
  case blank
}

/// Where a glyph goes on the canvas.
public enum GlyphCentering: String, Sendable, CaseIterable {
  /// The font's em box fills the inner square: glyphs keep the position their designer gave
  /// them (the default; Noto CJK ideographs sit slightly low in their em box, by design).
  case emBox = "em"
  /// The glyph's outline bounding box is centred on the canvas (scale is still one em).
  case ink
}

/// Renders single characters with FreeType: greyscale anti-aliased, black on white, on a
/// `size`×`size` canvas whose inner `(size − 2·margin)` square is the font's em box.
///
/// Geometry: ppem = size − 2·margin. Horizontally the glyph's advance is centred in the em box
/// (for CJK the advance is one em, so the pen starts at the margin). Vertically the em box top
/// sits at the margin, with the baseline `emTop` ems below it, where `emTop` is the OS/2
/// sTypoAscender / unitsPerEm when sTypoAscender − sTypoDescender spans exactly one em (as in
/// Noto CJK, whose ideographic em box is 880/−120), else hhea ascender / (ascender − descender).
/// The outline is shifted by the fractional part of the pen position before rasterising, so
/// placement is exact to 1/64 px. No hinting, so shapes are the designer's at every size.
///
/// Not thread-safe (one FreeType library and face per renderer): use one per thread.
public final class GlyphRenderer {
  public let font: FontFace
  public let size: Int
  public let margin: Int
  public let centering: GlyphCentering
  /// Em box top above the baseline, in ems.
  public let emTop: Double
  /// Owns the FreeType handles; `face` is its handle, kept for brevity in the drawing code.
  private let fontFace: FreeTypeFace
  private let face: FT_Face

  public init(font: FontFace, size: Int, margin: Int, centering: GlyphCentering = .emBox) throws {
    guard size >= 16 else {
      throw GlyphDataError.invalidOption("image size must be ≥ 16, got \(size)")
    }
    guard margin >= 0, size - 2 * margin >= 8 else {
      throw GlyphDataError.invalidOption(
        "margin \(margin) leaves no room for the glyph in a \(size) px image")
    }
    let face: FreeTypeFace
    do { face = try FreeTypeFace(path: font.path, index: font.index) } catch {
      throw GlyphDataError(error)
    }
    let emPixels = size - 2 * margin
    guard FT_Set_Pixel_Sizes(face.handle, 0, FT_UInt(emPixels)) == 0 else {
      throw GlyphDataError.fontUnreadable(path: font.path, reason: "cannot scale to \(emPixels) px")
    }
    self.fontFace = face
    self.face = face.handle
    self.font = font
    self.size = size
    self.margin = margin
    self.centering = centering
    self.emTop = Self.emBoxTop(face.handle)
  }

  private static func emBoxTop(_ face: FT_Face) -> Double {
    let upem = Double(face.pointee.units_per_EM)
    if let raw = FT_Get_Sfnt_Table(face, FT_SFNT_OS2) {
      let os2 = raw.assumingMemoryBound(to: TT_OS2.self).pointee
      if Int(os2.sTypoAscender) - Int(os2.sTypoDescender) == Int(face.pointee.units_per_EM) {
        return Double(os2.sTypoAscender) / upem
      }
    }
    let ascender = Double(face.pointee.ascender)
    let descender = Double(face.pointee.descender)
    return ascender > descender ? ascender / (ascender - descender) : 0.88
  }

  /// Whether the font maps `codepoint` to a glyph.
  public func hasGlyph(_ codepoint: UInt32) -> Bool {
    FT_Get_Char_Index(face, FT_ULong(codepoint)) != 0
  }

  /// Draws `codepoint` into `pixels` (`size * size` bytes, row-major). On `.missing` and `.blank`
  /// the buffer holds white only.
  public func render(_ codepoint: UInt32, into pixels: UnsafeMutableBufferPointer<UInt8>)
    -> RenderOutcome
  {
    precondition(pixels.count == size * size, "buffer of \(pixels.count) for \(size)x\(size)")
    pixels.update(repeating: 255)
    let index = FT_Get_Char_Index(face, FT_ULong(codepoint))
    guard index != 0 else { return .missing }
    guard FT_Load_Glyph(face, index, FT_Int32(FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) == 0,
      let slot = face.pointee.glyph, slot.pointee.format == FT_GLYPH_FORMAT_OUTLINE
    else { return .missing }

    let outline = slot.pointee.outline
    let (penX, baseline) = penPosition(slot)  // baseline: rows from the top
    let originX = penX.rounded(.down)
    let originY = baseline.rounded(.down)
    // Shift the outline (26.6, y up) by the fractional pen position; y down is −y.
    let dx = FT_Pos(((penX - originX) * 64).rounded())
    let dy = -FT_Pos(((baseline - originY) * 64).rounded())
    if let points = outline.points {
      for i in 0..<Int(outline.n_points) {
        points[i].x += dx
        points[i].y += dy
      }
    }
    guard FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) == 0 else { return .missing }

    let bitmap = slot.pointee.bitmap
    guard bitmap.rows > 0, bitmap.width > 0, let buffer = bitmap.buffer else { return .blank }
    let left = Int(originX) + Int(slot.pointee.bitmap_left)
    let top = Int(originY) - Int(slot.pointee.bitmap_top)
    let pitch = Int(bitmap.pitch)
    var ink = 0
    for row in 0..<Int(bitmap.rows) {
      let y = top + row
      guard y >= 0 && y < size else { continue }
      let src = pitch >= 0 ? buffer + row * pitch : buffer + (Int(bitmap.rows) - 1 - row) * -pitch
      for col in 0..<Int(bitmap.width) {
        let x = left + col
        guard x >= 0 && x < size else { continue }
        let coverage = src[col]
        ink |= Int(coverage)
        pixels[y * size + x] = 255 &- coverage
      }
    }
    return ink == 0 ? .blank : .rendered
  }

  /// The pen origin (x, baseline y down) in canvas pixels for the loaded glyph.
  private func penPosition(_ slot: FT_GlyphSlot) -> (Double, Double) {
    switch centering {
    case .emBox:
      let emPixels = Double(size - 2 * margin)
      let advance = Double(slot.pointee.linearHoriAdvance) / 65536.0  // pixels (16.16)
      return (Double(margin) + (emPixels - advance) / 2, Double(margin) + emTop * emPixels)
    case .ink:
      // Control box of the outline (26.6, y up, relative to the origin).
      let outline = slot.pointee.outline
      guard let points = outline.points, outline.n_points > 0 else {
        return (Double(size) / 2, Double(size) / 2)
      }
      var xMin = FT_Pos.max
      var xMax = FT_Pos.min
      var yMin = FT_Pos.max
      var yMax = FT_Pos.min
      for i in 0..<Int(outline.n_points) {
        xMin = min(xMin, points[i].x)
        xMax = max(xMax, points[i].x)
        yMin = min(yMin, points[i].y)
        yMax = max(yMax, points[i].y)
      }
      let half = Double(size) / 2
      return (half - Double(xMin + xMax) / 128, half + Double(yMin + yMax) / 128)
    }
  }

  /// `codepoint` as a greyscale image, or nil when the font has no glyph or it is blank.
  public func image(_ codepoint: UInt32) -> RasterImage? {
    var pixels = [UInt8](repeating: 255, count: size * size)
    let outcome = pixels.withUnsafeMutableBufferPointer { render(codepoint, into: $0) }
    guard outcome == .rendered else { return nil }
    return RasterImage(width: size, height: size, format: .grey, pixels: pixels)
  }
}
