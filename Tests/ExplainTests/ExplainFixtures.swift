import Diffusion
import Foundation
@testable import Imaging
import Tensors

@testable import Explain
@testable import GlyphData

/// Small inputs for the figure tests: a three-glyph data set written with the builder's own shard
/// writer, and a model folder with random weights of the `test` preset (8 px) whose text encoder
/// is the tiny BERT fixture of TextEncodingTests (32-d, no download).
enum ExplainFixtures {
  static func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "explain-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// 16 px glyph-like images (white background, a dark cross of varying width) for 金, 水, 木.
  static func dataset() throws -> URL {
    let dir = try temporaryDirectory("dataset")
    let size = 16
    var images: [UInt8] = []
    for k in 0..<3 {
      for y in 0..<size {
        for x in 0..<size {
          images.append(abs(x - 8) <= k || abs(y - 6) <= k ? 0 : 255)
        }
      }
    }
    let kept: [(UInt32, String)] = [
      (0x91D1, "gold; metals in general"), (0x6C34, "water"), (0x6728, "tree; wood"),
    ]
    try DatasetBuilder.writeShard(
      images, kept, splits: [.train, .train, .validation], size: size, to: dir)
    return dir
  }

  static var tinyEncoder: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("TextEncodingTests/Fixtures/tiny-bert")
  }

  static func model() throws -> URL {
    let dir = try temporaryDirectory("model")
    var rng = RandomStream(seed: 1, name: "init")
    let unet = try UNet2DConditionModel(.test(textDim: 32), stream: &rng)
    let record = ModelFolder.Record(
      textEncoder: tinyEncoder.path, textEncoderIdentity: "tiny-bert", textDim: 32, maxTokens: 64,
      preset: "test", trainingSteps: 0)
    try ModelFolder.save(unet, record: record, to: dir)
    return dir
  }

  /// Decodes `out/file` and checks it is a real picture: not one flat colour.
  static func decodedImage(_ out: URL, _ file: String) throws -> RasterImage {
    try PNGDecoder.decode(contentsOf: out.appendingPathComponent(file))
  }

  static func distinctValues(_ image: RasterImage) -> Int { Set(image.pixels).count }
}
