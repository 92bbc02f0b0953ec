import Imaging

/// A face inside a font file: the file plus the face index FreeType opens, found by family name
/// in collections (`.ttc`) rather than by a guessed index.
public struct FontFace: Sendable, Equatable {
  public let path: String
  public let index: Int
  public let familyName: String
  public let styleName: String

  /// Debian's `fonts-noto-cjk` collection.
  public static let defaultPath = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
  /// Simplified Chinese glyph forms.
  public static let defaultFamily = "Noto Sans CJK SC"

  /// The face of `family` in the file at `path`. With `family == nil`, a single-face file's only
  /// face, or in a collection the face of `defaultFamily` if present, else face 0.
  public static func locate(path: String = defaultPath, family: String? = nil) throws -> FontFace {
    let faces: [FontFace]
    do {
      faces = try FreeTypeFace.faceNames(path: path).map {
        FontFace(path: path, index: $0.index, familyName: $0.family, styleName: $0.style)
      }
    } catch { throw GlyphDataError(error) }
    if let family {
      guard let match = faces.first(where: { $0.familyName == family }) else {
        throw GlyphDataError.fontFamilyNotFound(
          path: path, family: family, available: faces.map(\.familyName))
      }
      return match
    }
    return faces.first(where: { $0.familyName == defaultFamily }) ?? faces[0]
  }
}

extension GlyphDataError {
  /// The data set's name for an error opening a font.
  init(_ error: FontFileError) {
    switch error {
    case .notFound(let path): self = .fontNotFound(path: path)
    case .unreadable(let path, let reason): self = .fontUnreadable(path: path, reason: reason)
    case .notAFont(let path): self = .notAFont(path: path)
    case .familyNotFound(let path, let family, let available):
      self = .fontFamilyNotFound(path: path, family: family, available: available)
    }
  }
}
