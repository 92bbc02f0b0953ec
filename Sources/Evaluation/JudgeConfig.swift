import Foundation

/// `judge.json`: the shape of a `GlyphJudge` and how it was trained. Every field is checked
/// before anything is allocated, so a damaged or hostile file gets an error naming the key.
public struct JudgeConfig: Codable, Sendable, Equatable {
  public static let fileName = "judge.json"
  public static let formatName = "glyffuser-judge"

  public var format = formatName
  public var version = 1
  /// Input glyphs are `imageSize` × `imageSize`; larger glyphs are box-downsampled to it.
  public var imageSize = 32
  /// Output channels of the six 3×3 convolutions (the 2nd, 4th and 6th have stride 2).
  public var channels = [32, 64, 64, 128, 128, 128]
  /// Width of the penultimate layer: the embedding used for FD, KID and precision/recall.
  public var featureDim = 256
  public var groups = 8
  /// Radical classes (Kangxi radicals 1–214 → class 0–213).
  public var radicals = 214
  /// Strokes are regressed as strokes / strokeScale.
  public var strokeScale: Float = 10

  public init() {}

  enum CodingKeys: String, CodingKey {
    case format, version, channels, groups, radicals
    case imageSize = "image_size"
    case featureDim = "feature_dim"
    case strokeScale = "stroke_scale"
  }

  /// Spatial size after the three stride-2 convolutions.
  public var finalSize: Int { imageSize / 8 }

  public func validate(file: String) throws {
    func fail(_ key: String, _ why: String) -> EvaluationError {
      .badConfig(file: file, key: key, reason: why)
    }
    guard format == Self.formatName else { throw fail("format", "expected \(Self.formatName)") }
    guard version == 1 else { throw fail("version", "\(version) is not supported (1)") }
    guard [8, 16, 32, 64].contains(imageSize) else {
      throw fail("image_size", "must be 8, 16, 32 or 64")
    }
    guard channels.count == 6, channels.allSatisfy({ (1...1024).contains($0) }) else {
      throw fail("channels", "must be 6 values in 1–1024")
    }
    guard (1...64).contains(groups), channels.allSatisfy({ $0 % groups == 0 }) else {
      throw fail("groups", "must be 1–64 and divide every channel count")
    }
    guard (8...4096).contains(featureDim) else { throw fail("feature_dim", "must be 8–4096") }
    guard radicals == 214 else { throw fail("radicals", "must be 214 (the Kangxi radicals)") }
    guard strokeScale.isFinite, strokeScale > 0 else {
      throw fail("stroke_scale", "must be positive")
    }
  }
}
