import CFreeType
import Foundation

/// Errors from loading fonts, naming the file and the FreeType call.
public enum TextError: Error, Sendable, Equatable, CustomStringConvertible {
  case fontNotFound(path: String)
  case fontUnreadable(path: String, reason: String)
  case familyNotFound(path: String, family: String, available: [String])
  case noFonts

  public var description: String {
    switch self {
    case .fontNotFound(let p): "font file not found: \(p)"
    case .fontUnreadable(let p, let reason): "font cannot be read: \(p) (\(reason))"
    case .familyNotFound(let p, let f, let a):
      "font family \"\(f)\" not in \(p); it holds \(a.joined(separator: ", "))"
    case .noFonts: "TextRenderer needs at least one font"
    }
  }
}

extension TextError {
  init(_ error: FontFileError) {
    switch error {
    case .notFound(let path): self = .fontNotFound(path: path)
    case .unreadable(let path, let reason): self = .fontUnreadable(path: path, reason: reason)
    case .notAFont(let path): self = .fontUnreadable(path: path, reason: "not a font file")
    case .familyNotFound(let path, let family, let available):
      self = .familyNotFound(path: path, family: family, available: available)
    }
  }
}

/// A font file and, for collections (.ttc), the family to pick (nil: the first face).
public struct FontSpec: Sendable, Equatable {
  public var path: String
  public var family: String?
  public init(path: String, family: String? = nil) {
    self.path = path
    self.family = family
  }

  /// DejaVu Sans (Debian `fonts-dejavu-core`), used for Latin text when present.
  public static let dejaVuSans = FontSpec(path: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
  /// Noto Sans CJK SC (Debian `fonts-noto-cjk`, installed by scripts/setup): CJK and Latin.
  public static let notoSansCJK = FontSpec(
    path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", family: "Noto Sans CJK SC")
}

/// Where the point passed to `draw` sits on the text's box.
public struct TextAnchor: Sendable, Equatable {
  public enum Horizontal: Sendable { case left, center, right }
  /// `top`/`bottom` are the font's ascender/descender lines, not the ink of this string, so
  /// labels of different strings line up.
  public enum Vertical: Sendable { case top, middle, baseline, bottom }
  public var horizontal: Horizontal
  public var vertical: Vertical
  public init(_ horizontal: Horizontal, _ vertical: Vertical) {
    self.horizontal = horizontal
    self.vertical = vertical
  }
  public static let topLeft = TextAnchor(.left, .top)
  public static let top = TextAnchor(.center, .top)
  public static let topRight = TextAnchor(.right, .top)
  public static let left = TextAnchor(.left, .middle)
  public static let center = TextAnchor(.center, .middle)
  public static let right = TextAnchor(.right, .middle)
  public static let bottomLeft = TextAnchor(.left, .bottom)
  public static let bottom = TextAnchor(.center, .bottom)
  public static let baselineLeft = TextAnchor(.left, .baseline)
}

/// Size of a single line of text in pixels: `width` is the advance, `ascent`/`descent` the
/// font's line metrics above/below the baseline (maximum over the faces used).
public struct TextMetrics: Sendable, Equatable {
  public var width: Int
  public var ascent: Int
  public var descent: Int
  public var height: Int { ascent + descent }
}

/// A rendered line of text: an 8-bit coverage mask with the baseline `baseline` rows from the top.
public struct TextMask: Sendable {
  public var width: Int
  public var height: Int
  public var baseline: Int
  public var coverage: [UInt8]

  /// The mask turned 90° counter-clockwise (text reading bottom to top, for y-axis titles).
  public var rotatedCounterClockwise: TextMask {
    var out = [UInt8](repeating: 0, count: coverage.count)
    // New size height' = width, width' = height; (x, y) → (y, width − 1 − x).
    for y in 0..<height {
      for x in 0..<width { out[(width - 1 - x) * height + y] = coverage[y * width + x] }
    }
    return TextMask(width: height, height: width, baseline: baseline, coverage: out)
  }
}

/// Single-line text with FreeType 2: each character is drawn from the first font in the list
/// that has a glyph for it (so a Latin font plus Noto CJK renders "金 gold"), with FreeType's
/// 8-bit anti-aliased rasteriser, pen advancing by the glyph's horizontal advance (no kerning).
/// Sizes are pixels per em. Thread-safe: FreeType calls and the glyph cache are behind a lock.
public final class TextRenderer: @unchecked Sendable {
  /// In priority order; FreeType handles are used with `lock` held.
  private let fonts: [FreeTypeFace]
  private let faces: [FT_Face]
  private let lock = NSLock()
  private var cache: [GlyphKey: Glyph] = [:]

  private struct GlyphKey: Hashable {
    var face: Int
    var glyph: UInt32
    var size: Int
  }

  private struct Glyph {
    var width: Int
    var rows: Int
    var left: Int
    var top: Int
    var advance: Int
    var bitmap: [UInt8]
  }

  /// Loads `fonts` in priority order.
  public init(fonts: [FontSpec]) throws {
    guard !fonts.isEmpty else { throw TextError.noFonts }
    do {
      self.fonts = try fonts.map { spec throws(FontFileError) in
        try FreeTypeFace(path: spec.path, family: spec.family)
      }
    } catch {
      throw TextError(error)
    }
    faces = self.fonts.map(\.handle)
  }

  /// One font file (for a .ttc, the face whose family is `family`).
  public convenience init(fontPath: String, family: String? = nil) throws {
    try self.init(fonts: [FontSpec(path: fontPath, family: family)])
  }

  /// DejaVu Sans for Latin with Noto Sans CJK SC as fallback; Noto alone where DejaVu is absent.
  public static func makeDefault() throws -> TextRenderer {
    var fonts: [FontSpec] = []
    if FileManager.default.fileExists(atPath: FontSpec.dejaVuSans.path) {
      fonts.append(.dejaVuSans)
    }
    fonts.append(.notoSansCJK)
    return try TextRenderer(fonts: fonts)
  }

  private static let sharedResult = Result { try TextRenderer.makeDefault() }

  /// A process-wide default renderer (created once).
  public static func shared() throws -> TextRenderer { try sharedResult.get() }

  /// Line metrics and advance width of `text` at `size` pixels per em.
  public func measure(_ text: String, size: Int) -> TextMetrics {
    lock.lock()
    defer { lock.unlock() }
    var width = 0
    var (ascent, descent) = lineMetrics(face: 0, size: size)
    for (faceIndex, glyph) in glyphIDs(text) {
      if faceIndex != 0 {
        let m = lineMetrics(face: faceIndex, size: size)
        ascent = max(ascent, m.0)
        descent = max(descent, m.1)
      }
      width += loadGlyph(face: faceIndex, glyph: glyph, size: size)?.advance ?? 0
    }
    return TextMetrics(width: width, ascent: ascent, descent: descent)
  }

  /// Renders `text` to a coverage mask `measure(text).width` wide (plus ink that overhangs) and
  /// ascent + descent tall.
  public func renderMask(_ text: String, size: Int) -> TextMask {
    let metrics = measure(text, size: size)
    lock.lock()
    defer { lock.unlock() }
    let glyphs = glyphIDs(text).compactMap { loadGlyph(face: $0.0, glyph: $0.1, size: size) }
    // Ink may start left of the pen (negative bearing) or run past the advance or the line box.
    var minX = 0
    var maxX = max(metrics.width, 1)
    var top = metrics.ascent
    var bottom = metrics.descent
    var pen = 0
    for g in glyphs {
      minX = min(minX, pen + g.left)
      maxX = max(maxX, pen + g.left + g.width)
      top = max(top, g.top)
      bottom = max(bottom, g.rows - g.top)
      pen += g.advance
    }
    let w = maxX - minX
    let h = max(top + bottom, 1)
    var coverage = [UInt8](repeating: 0, count: w * h)
    pen = -minX
    for g in glyphs {
      for row in 0..<g.rows {
        let y = top - g.top + row
        for col in 0..<g.width {
          let x = pen + g.left + col
          let v = g.bitmap[row * g.width + col]
          let i = y * w + x
          coverage[i] = max(coverage[i], v)
        }
      }
      pen += g.advance
    }
    return TextMask(width: w, height: h, baseline: top, coverage: coverage)
  }

  /// Draws one line of `text` so that `anchor` of its box lands on `point`. With `rotated`, the
  /// text runs bottom to top (90° counter-clockwise) and the anchor refers to the unrotated box
  /// turned with it: e.g. `.center` centres the rotated text on `point`.
  public func draw(
    _ text: String, size: Int, at point: Point, color: Color = .black, into canvas: inout Canvas,
    anchor: TextAnchor = .baselineLeft, rotated: Bool = false
  ) {
    let mask = renderMask(text, size: size)
    let metrics = measure(text, size: size)
    // Offset of the anchor from the mask's top-left, in unrotated mask coordinates.
    let ax: Int
    switch anchor.horizontal {
    case .left: ax = 0
    case .center: ax = metrics.width / 2
    case .right: ax = metrics.width
    }
    let ay: Int
    switch anchor.vertical {
    case .top: ay = mask.baseline - metrics.ascent
    case .middle: ay = mask.baseline - metrics.ascent + metrics.height / 2
    case .baseline: ay = mask.baseline
    case .bottom: ay = mask.baseline + metrics.descent
    }
    let px = Int(point.x.rounded())
    let py = Int(point.y.rounded())
    if rotated {
      let r = mask.rotatedCounterClockwise
      // (x, y) → (y, W − 1 − x): the anchor moves to (ay, W − 1 − ax).
      canvas.blendMask(
        r.coverage, maskWidth: r.width, x: px - ay, y: py - (mask.width - 1 - ax), color: color)
    } else {
      canvas.blendMask(mask.coverage, maskWidth: mask.width, x: px - ax, y: py - ay, color: color)
    }
  }

  // MARK: FreeType (call with the lock held)

  /// (face index, glyph index) per character; characters no face has map to face 0's .notdef.
  private func glyphIDs(_ text: String) -> [(Int, UInt32)] {
    text.unicodeScalars.map { scalar in
      for (i, face) in faces.enumerated() {
        let g = FT_Get_Char_Index(face, FT_ULong(scalar.value))
        if g != 0 { return (i, UInt32(g)) }
      }
      return (0, 0)
    }
  }

  private func setSize(face: Int, size: Int) {
    FT_Set_Pixel_Sizes(faces[face], 0, FT_UInt(max(size, 1)))
  }

  /// (ascent, descent) in whole pixels, both positive.
  private func lineMetrics(face: Int, size: Int) -> (Int, Int) {
    setSize(face: face, size: size)
    let m = faces[face].pointee.size.pointee.metrics
    return (Int((m.ascender + 63) >> 6), Int((-m.descender + 63) >> 6))
  }

  private func loadGlyph(face: Int, glyph: UInt32, size: Int) -> Glyph? {
    let key = GlyphKey(face: face, glyph: glyph, size: size)
    if let g = cache[key] { return g }
    setSize(face: face, size: size)
    let f = faces[face]
    guard FT_Load_Glyph(f, FT_UInt(glyph), FT_Int32(FT_LOAD_RENDER)) == 0,
      let slot = f.pointee.glyph
    else { return nil }
    let bm = slot.pointee.bitmap
    let w = Int(bm.width)
    let rows = Int(bm.rows)
    var bitmap = [UInt8](repeating: 0, count: w * rows)
    if let buffer = bm.buffer, bm.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue) {
      let pitch = Int(bm.pitch)
      for r in 0..<rows {
        for c in 0..<w { bitmap[r * w + c] = buffer[r * pitch + c] }
      }
    }
    let g = Glyph(
      width: w, rows: rows, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
      advance: Int((slot.pointee.advance.x + 32) >> 6), bitmap: bitmap)
    cache[key] = g
    return g
  }
}
