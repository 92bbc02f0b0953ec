import CFreeType
import Foundation

/// Why a font file could not be opened. Each case names the file.
public enum FontFileError: Error, Sendable, Equatable, CustomStringConvertible {
  case notFound(path: String)
  case unreadable(path: String, reason: String)
  /// FreeType does not recognise the file's format.
  case notAFont(path: String)
  case familyNotFound(path: String, family: String, available: [String])

  public var description: String {
    switch self {
    case .notFound(let path): "\(path): font file not found"
    case .unreadable(let path, let reason): "\(path): font cannot be read (\(reason))"
    case .notAFont(let path): "\(path): not a font file FreeType recognises"
    case .familyNotFound(let path, let family, let available):
      "\(path): no face of family \"\(family)\" (faces: \(available.joined(separator: ", ")))"
    }
  }
}

/// One face of a font file with the FreeType library that opened it: the only place in the
/// project that calls `FT_Init_FreeType`, `FT_New_Face` and their `Done` counterparts, so every
/// user (the glyph renderer of the data set, the text of figures) opens fonts, reports errors and
/// releases handles the same way.
///
/// Each face owns its library because a FreeType library is not thread-safe: two faces can then be
/// used on two threads, while one face must stay on one thread at a time (callers lock or keep
/// one per thread).
public final class FreeTypeFace {
  public let path: String
  /// Index of the face in its file (0 unless the file is a collection such as a `.ttc`).
  public let index: Int
  /// The FreeType handle, for sizing, loading and rendering glyphs. Valid while `self` lives.
  public let handle: FT_Face
  private let library: FT_Library

  /// Opens face `index` of the font at `path`.
  public init(path: String, index: Int = 0) throws(FontFileError) {
    guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path: path) }
    guard FileManager.default.isReadableFile(atPath: path) else {
      throw .unreadable(path: path, reason: "permission denied")
    }
    var library: FT_Library?
    guard FT_Init_FreeType(&library) == 0, let library else {
      throw .unreadable(path: path, reason: "FreeType failed to initialise")
    }
    var face: FT_Face?
    let error = FT_New_Face(library, path, FT_Long(index), &face)
    guard error == 0, let face else {
      FT_Done_FreeType(library)
      switch error {
      case 0x01:  // FT_Err_Cannot_Open_Resource
        throw .unreadable(path: path, reason: "cannot open resource")
      case 0x02, 0x03:  // FT_Err_Unknown_File_Format, FT_Err_Invalid_File_Format
        throw .notAFont(path: path)
      default:
        throw .unreadable(path: path, reason: "FreeType error \(error) opening face \(index)")
      }
    }
    self.path = path
    self.index = index
    self.handle = face
    self.library = library
  }

  /// The face whose family name is `family` (FreeType's `family_name`), searching every face of a
  /// collection; with `family == nil`, face 0.
  public convenience init(path: String, family: String?) throws(FontFileError) {
    guard let family else {
      try self.init(path: path, index: 0)
      return
    }
    let faces = try Self.faceNames(path: path)
    guard let match = faces.first(where: { $0.family == family }) else {
      throw .familyNotFound(path: path, family: family, available: faces.map(\.family))
    }
    try self.init(path: path, index: match.index)
  }

  deinit {
    FT_Done_Face(handle)
    FT_Done_FreeType(library)
  }

  /// How many faces the file holds (1 for a plain `.ttf` or `.otf`).
  public var faceCount: Int { Int(handle.pointee.num_faces) }
  public var familyName: String { handle.pointee.family_name.map { String(cString: $0) } ?? "" }
  public var styleName: String { handle.pointee.style_name.map { String(cString: $0) } ?? "" }

  /// The index, family and style of every face in the file at `path`, in file order.
  public static func faceNames(path: String) throws(FontFileError) -> [(
    index: Int, family: String, style: String
  )] {
    let first = try FreeTypeFace(path: path, index: 0)
    var names = [(index: 0, family: first.familyName, style: first.styleName)]
    for i in 1..<max(first.faceCount, 1) {
      let face = try FreeTypeFace(path: path, index: i)
      names.append((i, face.familyName, face.styleName))
    }
    return names
  }
}
