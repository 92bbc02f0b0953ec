import CFreeType
import Foundation

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
    guard FileManager.default.fileExists(atPath: path) else {
      throw GlyphDataError.fontNotFound(path: path)
    }
    guard FileManager.default.isReadableFile(atPath: path) else {
      throw GlyphDataError.fontUnreadable(path: path, reason: "permission denied")
    }
    var library: FT_Library?
    guard FT_Init_FreeType(&library) == 0, let library else {
      throw GlyphDataError.fontUnreadable(path: path, reason: "FreeType failed to initialise")
    }
    defer { FT_Done_FreeType(library) }
    let faceCount = try withFace(library, path: path, index: 0) { Int($0.pointee.num_faces) }
    var faces: [FontFace] = []
    for i in 0..<faceCount {
      faces.append(
        try withFace(library, path: path, index: i) { face in
          FontFace(
            path: path, index: i,
            familyName: face.pointee.family_name.map { String(cString: $0) } ?? "",
            styleName: face.pointee.style_name.map { String(cString: $0) } ?? "")
        })
    }
    if let family {
      guard let match = faces.first(where: { $0.familyName == family }) else {
        throw GlyphDataError.fontFamilyNotFound(
          path: path, family: family, available: faces.map(\.familyName))
      }
      return match
    }
    return faces.first(where: { $0.familyName == defaultFamily }) ?? faces[0]
  }

  /// Opens face `index` of `path`, maps FreeType's errors to `GlyphDataError`.
  static func withFace<R>(
    _ library: FT_Library, path: String, index: Int, _ body: (FT_Face) throws -> R
  ) throws -> R {
    let face = try open(library, path: path, index: index)
    defer { FT_Done_Face(face) }
    return try body(face)
  }

  static func open(_ library: FT_Library, path: String, index: Int) throws -> FT_Face {
    var face: FT_Face?
    let error = FT_New_Face(library, path, FT_Long(index), &face)
    switch error {
    case 0:
      guard let face else { throw GlyphDataError.fontUnreadable(path: path, reason: "no face") }
      return face
    case 0x01:  // FT_Err_Cannot_Open_Resource
      throw GlyphDataError.fontUnreadable(path: path, reason: "cannot open resource")
    case 0x02, 0x03:  // FT_Err_Unknown_File_Format, FT_Err_Invalid_File_Format
      throw GlyphDataError.notAFont(path: path)
    default:
      throw GlyphDataError.fontUnreadable(path: path, reason: "FreeType error \(error)")
    }
  }
}
