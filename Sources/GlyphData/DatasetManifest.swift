import Foundation
import Tensors

/// `glyffuser-dataset.json`: how a data set was built and what was left out. Written next to
/// the images; read by `glyffuser dataset info`. Deterministic (no timestamps).
public struct DatasetManifest: Sendable, Codable, Equatable {
  public static let fileName = "glyffuser-dataset.json"
  public static let formatName = "glyffuser-glyphs"

  public var format = formatName
  public var version = 1
  public var size: Int
  public var margin: Int
  public var centering: String
  public var fontPath: String
  public var fontFamily: String
  public var fontFaceIndex: Int
  public var unihanSource: String
  /// Code point ranges as "U+3400-U+9FFF".
  public var ranges: [String]
  public var limit: Int?
  /// kDefinition entries in the ranges.
  public var definitions: Int
  public var count: Int
  public var trainCount: Int
  public var validationCount: Int
  /// Characters dropped because their cleaned caption was empty ("U+4570").
  public var emptyCaptions: [String]
  /// Characters the font has no glyph for.
  public var missingGlyphs: [String]
  /// Characters whose glyph drew no ink.
  public var blankGlyphs: [String]
  /// The Unihan file the radical and stroke labels came from; nil in data sets built without
  /// labels (and by versions before labels existed).
  public var labelSource: String? = nil
  /// Characters of the data set without a `kRSUnicode` + `kTotalStrokes` entry.
  public var unlabelled: [String]? = nil

  public static func read(from directory: URL) throws -> DatasetManifest {
    let url = directory.appendingPathComponent(fileName)
    guard let data = try? Data(contentsOf: url) else {
      throw GlyphDataError.malformedDataset(path: directory.path, reason: "no \(fileName)")
    }
    do {
      return try JSONDecoder().decode(DatasetManifest.self, from: data)
    } catch {
      throw GlyphDataError.malformedDataset(
        path: url.path, reason: DecodingErrorText.describe(error))
    }
  }

  func encoded() throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return [UInt8](try encoder.encode(self)) + [UInt8(ascii: "\n")]
  }
}

/// "U+91D1".
public func codepointLabel(_ codepoint: UInt32) -> String {
  let hex = String(codepoint, radix: 16, uppercase: true)
  return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
