import Foundation
import GlyphData
import Testing

@testable import GlyffuserServer
@testable import Imaging

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

extension GlyphServerTests {
  /// A 64 px data set of flat grey levels (train: every level 0, 8, …, 248; validation: the
  /// levels between), which a 32 px model's glyphs are compared with after box-downsampling.
  static func greyLevelDataset() throws -> (GlyphDataset, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-nearest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let levels = (0..<64).map { UInt8($0 * 4) }
    let images = levels.flatMap { [UInt8](repeating: $0, count: 64 * 64) }
    let kept = levels.indices.map { (UInt32(0x4E00 + $0), "level \(levels[$0])") }
    let splits = levels.indices.map { $0 % 2 == 0 ? DatasetSplit.train : .validation }
    try DatasetBuilder.writeShard(images, kept, splits: splits, size: 64, to: dir)
    return (try GlyphDataset(contentsOf: dir), dir)
  }

  /// Nearest real characters: the k closest training glyphs, nearest first, from the training
  /// split only, with their characters and definitions; a copy of one is flagged as such.
  @Test func nearestGlyphsFindTheClosestTrainingGlyphs() throws {
    let (dataset, dir) = try Self.greyLevelDataset()
    defer { try? FileManager.default.removeItem(at: dir) }
    let nearest = try NearestGlyphs(dataset: dataset, size: 32)
    let glyph = { (level: UInt8) in
      RasterImage(
        width: 32, height: 32, format: .grey, pixels: [UInt8](repeating: level, count: 1024))
    }
    // Left half black, right half white: far from every flat level, nearest to the middle ones.
    let half = RasterImage(
      width: 32, height: 32, format: .grey,
      pixels: (0..<1024).map { $0 % 32 < 16 ? 0 : 255 })
    let answers = nearest.answers([glyph(16), half], k: 3)
    #expect(answers.count == 2)
    // 16 is a training level: a copy (its distance is 0 but for fp32 rounding).
    #expect(answers[0].neighbours.map(\.caption) == ["level 16", "level 8", "level 24"])
    #expect(answers[0].neighbours[0].distance < 1e-3 && answers[0].copy)
    #expect(answers[1].neighbours.map(\.caption) == ["level 128", "level 120", "level 136"])
    #expect(!answers[1].copy)
    #expect(answers[0].neighbours[0].character == "\u{4E04}")
    #expect(answers[0].neighbours[0].image.hasPrefix("data:image/png;base64,"))
    #expect(throws: RequestError.self) { try NearestGlyphs(dataset: dataset, size: 48) }
  }

  /// `serve --dataset`: the done event carries each glyph's nearest training glyphs.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func theDoneEventNamesTheNearestRealCharacters() async throws {
    let (dataset, dir) = try Self.greyLevelDataset()
    defer { try? FileManager.default.removeItem(at: dir) }
    let nearest = try NearestGlyphs(dataset: dataset, size: 32)
    try await Self.withServer(nearest: nearest) { base, _ in
      let url = URL(string: base.absoluteString + "/api/generate?prompt=gold&count=2&steps=2")!
      let (status, body) = try await Self.get(url)
      #expect(status == 200)
      let text = String(decoding: body, as: UTF8.self)
      let line = try #require(
        text.components(separatedBy: "event: done\ndata: ").last?.components(separatedBy: "\n")
          .first)
      let done = try Self.object(Data(line.utf8))
      let answers = try #require(done["nearest"] as? [[String: Any]])
      #expect(answers.count == 2)
      let first = try #require(answers.first?["neighbours"] as? [[String: Any]])
      #expect(first.count == 3 && (first[0]["caption"] as? String)?.hasPrefix("level ") == true)
      let (_, info) = try await Self.get(base.appendingPathComponent("api/info"))
      #expect(try Self.object(info)["nearest"] as? Bool == true)
    }
  }
}
