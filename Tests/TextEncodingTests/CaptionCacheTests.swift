import Foundation
import JobControl
import Tensors
import Testing

@testable import TextEncoding

@Suite struct CaptionCacheTests {
  let captions = [
    "gold; metals in general; money", "hillock or mound", "water, liquid, lotion, juice", "bird",
    "hillock or mound", "fire, flame; burn; anger, rage",
  ]

  func makeDataset(_ lines: [String]) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ds-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try (lines.joined(separator: "\n") + "\n").write(
      to: dir.appendingPathComponent("metadata.jsonl"), atomically: true, encoding: .utf8)
    return dir
  }

  func metadataLines(_ captions: [String]) -> [String] {
    captions.enumerated().map { i, c in
      #"{"file_name": "\#(i).png", "caption": "\#(c)", "character": "x"}"#
    }
  }

  /// Cached rows equal a direct encoding of each caption alone (to 1e-5 in f32: batches of other
  /// lengths change the matmul blocking; to f16 rounding in
  /// f16), duplicates are stored once, and the empty prompt is there for guidance.
  @Test(arguments: [false, true]) func roundTrip(half: Bool) throws {
    let dir = try makeDataset(metadataLines(captions))
    defer { try? FileManager.default.removeItem(at: dir) }
    let encoder = try TextEncoder(folder: fixture("tiny-bert"), name: "tiny-bert", maxLength: 16)
    let url = CaptionCache.location(dataset: dir, encoderName: encoder.name)
    let progress = ProgressRecorder()
    let summary = try CaptionCacheBuilder.build(
      captions: try DatasetCaptions.read(dataset: dir), encoder: encoder, to: url, batchSize: 2,
      halfPrecision: half, progress: progress.handler)
    let calls = progress.reports.count
    #expect(summary.captions == 6 && summary.distinct == 6 && calls == 3)  // 5 distinct + ""
    let cache = try CaptionCache.open(dataset: dir, encoderName: "tiny-bert")
    #expect(cache.count == 6 && cache.hiddenSize == 32 && cache.encoderIdentity == encoder.identity)
    for (i, c) in captions.enumerated() {
      let direct = encoder.encode([c])
      let (e, mask) = cache.embedding(i)
      #expect(cache.tokenIDs(i) == direct.ids[0])
      #expect(e.shape == [direct.ids[0].count, 32] && mask.scalars.allSatisfy { $0 == 1 })
      let worst = zip(e.scalars, direct.hiddenStates.scalars).map { abs($0 - $1) }.max()!
      #expect(worst <= (half ? 4e-3 : 1e-5), "caption \(i): \(worst)")
    }
    let empty = cache.emptyPrompt
    #expect(empty.embeddings.shape == [2, 32])  // [CLS] [SEP]
    let b = cache.batch([0, nil, 3])
    #expect(b.embeddings.shape == [3, cache.tokenCount(0), 32])
    #expect(b.mask.sum().item == Float(cache.tokenCount(0) + 2 + cache.tokenCount(3)))
  }

  @Test func staleCacheIsRejected() throws {
    let dir = try makeDataset(metadataLines(captions))
    defer { try? FileManager.default.removeItem(at: dir) }
    let encoder = try TextEncoder(folder: fixture("tiny-bert"), name: "tiny-bert", maxLength: 16)
    let url = CaptionCache.location(dataset: dir, encoderName: encoder.name)
    _ = try CaptionCacheBuilder.build(captions: captions, encoder: encoder, to: url)
    var changed = captions
    changed[2] = "water"
    try (metadataLines(changed).joined(separator: "\n") + "\n").write(
      to: dir.appendingPathComponent("metadata.jsonl"), atomically: true, encoding: .utf8)
    #expect(throws: TextEncodingError.staleCache(path: url.path, reason: "the captions changed")) {
      try CaptionCache.open(dataset: dir, encoderName: "tiny-bert")
    }
  }

  @Test func badMetadataLineIsNamed() throws {
    let dir = try makeDataset([#"{"caption": "a"}"#, #"{"file_name": "b.png"}"#])
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("metadata.jsonl").path
    #expect(
      throws: TextEncodingError.badField(
        path: path, line: 2, field: "caption", reason: "missing or not a string")
    ) { try DatasetCaptions.read(dataset: dir) }
  }
}
