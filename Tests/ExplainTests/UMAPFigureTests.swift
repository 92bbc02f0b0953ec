import Foundation
import GlyphData
@testable import Imaging
import Tensors
import Testing

@testable import Explain

/// A data set of `count` synthetic 16 px "glyphs" (one or two ink blocks, placed left–right or
/// top–bottom) written as `glyphs.safetensors`, the only file the figures read. 明 and 草 are
/// among the code points so the exemplar thumbnails are drawn.
func writeTinyDataset(count: Int = 60, to dir: URL) throws {
  let size = 16
  var rng = RandomStream(seed: 3, name: "test.tiny-dataset")
  var images = [UInt8](repeating: 255, count: count * size * size)
  var codepoints: [Int] = []
  for i in 0..<count {
    let sideBySide = i % 2 == 0
    for part in 0..<2 {
      let w = 3 + rng.nextInt(below: 4)
      let h = 3 + rng.nextInt(below: 4)
      let x0 =
        sideBySide ? part * 8 + rng.nextInt(below: 8 - min(w, 7)) : rng.nextInt(below: 16 - w)
      let y0 =
        sideBySide ? rng.nextInt(below: 16 - h) : part * 8 + rng.nextInt(below: 8 - min(h, 7))
      for y in y0..<min(16, y0 + h) {
        for x in x0..<min(16, x0 + w) { images[i * size * size + y * size + x] = 0 }
      }
    }
    codepoints.append(i == 0 ? 0x660E : i == 1 ? 0x8349 : 0x4E00 + i)
  }
  let object: [String: Any] = [
    "codepoints": codepoints, "captions": codepoints.map { "caption </script> of \($0)" },
    "splits": codepoints.map { _ in "train" },
  ]
  let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  try SafeTensors.write(
    [.u8("images", shape: [count, size, size], images)],
    metadata: [DatasetBuilder.shardMetadataKey: String(decoding: json, as: UTF8.self)],
    to: dir.appendingPathComponent(DatasetBuilder.shardFileName))
}

@Suite struct UMAPFigureTests {
  @Test func datasetMapWritesPNGAndSelfContainedHTMLAndCachesTheFit() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("umap-figure-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    let out = root.appendingPathComponent("out")
    try writeTinyDataset(to: data)
    let context = ExplainContext(dataset: data, out: out, seed: 1, quick: true)
    let files = try DatasetMapFigure.render(context)
    #expect(files == ["dataset-map.png", "dataset-map.html"])
    let png = try PNGDecoder.decode(
      [UInt8](try Data(contentsOf: out.appendingPathComponent("dataset-map.png"))))
    #expect(png.width == 1000 && png.height == 1034)
    let html = try String(
      contentsOf: out.appendingPathComponent("dataset-map.html"), encoding: .utf8)
    #expect(html.contains("<canvas id=\"map\">"))
    #expect(html.contains("data:image/png;base64,"))
    #expect(!html.contains("src=\"http") && !html.contains("<script src"))
    // The caption's "</script>" must not end the data block early.
    #expect(html.components(separatedBy: "</script>").count == 3)
    #expect(
      FileManager.default.fileExists(
        atPath: out.appendingPathComponent(DatasetEmbedding.cacheFileName).path))
    let again = try DatasetEmbedding.load(dataset: data, out: out, seed: 1, quick: true)
    #expect(again.loadedFromCache)
    let otherSeed = try DatasetEmbedding.load(dataset: data, out: root, seed: 2, quick: true)
    #expect(!otherSeed.loadedFromCache)
  }

  @Test func forwardMapWritesOnePanelPerTimestep() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("umap-forward-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    try writeTinyDataset(to: data)
    let out = root.appendingPathComponent("out")
    let files = try NoisedMapFigure.render(
      ExplainContext(dataset: data, out: out, seed: 0, quick: true))
    #expect(files == ["forward-map.png"])
    let png = try PNGDecoder.decode(
      [UInt8](try Data(contentsOf: out.appendingPathComponent("forward-map.png"))))
    #expect(png.width == 3 * 440 && png.height == 2 * 478)
  }

  @Test func kdeIntegratesToOneWithScottsBandwidth() {
    var rng = RandomStream(seed: 4, name: "test.kde")
    let xs = rng.normals(2000).map(Double.init)
    let ys = rng.normals(2000, mean: 1, std: 2).map(Double.init)
    let kde = KDE2D(xs: xs, ys: ys, columns: 120, rows: 120, x: -6...6, y: -11...13)
    let cell = (12.0 / 120) * (24.0 / 120)
    #expect(abs(kde.values.reduce(0, +) * cell - 1) < 0.01)
    // Scott: H = Σ̂ · n^(−1/3); Σ̂ ≈ diag(1, 4).
    let f = pow(2000.0, -1.0 / 3)
    #expect(abs(kde.bandwidth.xx / f - 1) < 0.1)
    #expect(abs(kde.bandwidth.yy / f - 4) < 0.4)
    // The density peaks near the mean (0, 1): row of y = 1 from the top, column of x = 0.
    let peak = kde.values.indices.max { kde.values[$0] < kde.values[$1] }!
    let (r, c) = (peak / 120, peak % 120)
    #expect(abs(Double(c) - 60) < 8 && abs(Double(r) - 60) < 8)
  }
}

/// The full projection of a real data set, timed: not part of the normal suite.
/// `GLYFFUSER_UMAP_DATASET=/work/data/glyphs-64 [GLYFFUSER_UMAP_OUT=dir] [GLYFFUSER_UMAP_SEED=n]
/// [GLYFFUSER_UMAP_FIT_ONLY=1] swift test --filter UMAPBenchmark` writes dataset-map.png/.html,
/// forward-map.png and umap-embedding.safetensors (which `scripts/peers/umap_compare.py` reads)
/// and prints the times; with FIT_ONLY just the cached embedding.
@Suite struct UMAPBenchmark {
  static let environment = ProcessInfo.processInfo.environment
  static let dataset = environment["GLYFFUSER_UMAP_DATASET"]

  @Test(.enabled(if: dataset != nil)) func projectWholeDataset() throws {
    let out = URL(fileURLWithPath: Self.environment["GLYFFUSER_UMAP_OUT"] ?? "/tmp/glyffuser-umap")
    let seed = UInt64(Self.environment["GLYFFUSER_UMAP_SEED"] ?? "0") ?? 0
    let data = URL(fileURLWithPath: Self.dataset!)
    let clock = ContinuousClock()
    var start = clock.now
    if Self.environment["GLYFFUSER_UMAP_FIT_ONLY"] != nil {
      _ = try DatasetEmbedding.load(dataset: data, out: out, seed: seed, quick: false) { print($0) }
      print("fit: \(clock.now - start) (threads \(Parallel.threadCount))")
      return
    }
    let context = ExplainContext(dataset: data, out: out, seed: seed)
    _ = try DatasetMapFigure.render(context)
    print("dataset-map: \(clock.now - start) (threads \(Parallel.threadCount))")
    start = clock.now
    _ = try NoisedMapFigure.render(context)
    print("forward-map: \(clock.now - start)")
  }
}
