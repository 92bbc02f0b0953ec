/// The `glyffuser` metadata of `glyphs.safetensors`: the per-glyph lists, in image order. Version
/// 2 adds the evaluation labels (`radicals`, `strokes`; 0 where unknown).
public struct ShardMetadata: Codable, Sendable, Equatable {
  public var format = DatasetManifest.formatName
  public var version = 1
  /// Image size and count (the images tensor is the authority; files written by hand may omit
  /// them, as the reader before this type never needed them).
  public var size: Int?
  public var count: Int?
  public var codepoints: [Int]
  public var captions: [String]
  public var splits: [String]
  public var radicals: [Int]?
  public var strokes: [Int]?

  enum CodingKeys: String, CodingKey {
    case format, version, size, count, codepoints, captions, splits, radicals, strokes
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    format = try c.decodeIfPresent(String.self, forKey: .format) ?? DatasetManifest.formatName
    version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
    size = try c.decodeIfPresent(Int.self, forKey: .size)
    count = try c.decodeIfPresent(Int.self, forKey: .count)
    codepoints = try c.decode([Int].self, forKey: .codepoints)
    captions = try c.decode([String].self, forKey: .captions)
    splits = try c.decode([String].self, forKey: .splits)
    radicals = try c.decodeIfPresent([Int].self, forKey: .radicals)
    strokes = try c.decodeIfPresent([Int].self, forKey: .strokes)
  }

  public init(
    size: Int, codepoints: [Int], captions: [String], splits: [String], radicals: [Int]? = nil,
    strokes: [Int]? = nil
  ) {
    self.size = size
    count = codepoints.count
    self.codepoints = codepoints
    self.captions = captions
    self.splits = splits
    self.radicals = radicals
    self.strokes = strokes
    version = radicals == nil ? 1 : 2
  }
}
