import Diffusion
import Foundation
import GlyphData
import Tensors

@testable import Evaluation

/// Synthetic labelled glyphs for the judge and evaluation tests: four "radicals", each a stroke
/// pattern (a bar at the left, a bar at the top, a box, a diagonal) drawn at a random offset with
/// a random extra stroke, so a classifier must learn the pattern, not the pixels.
enum EvaluationFixtures {
  static let radicals = [9, 1, 31, 4]

  static func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "evaluation-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// One `size` px glyph of pattern `c` (bytes, 255 = paper).
  static func glyph(_ c: Int, size: Int, stream: inout RandomStream) -> [UInt8] {
    var p = [UInt8](repeating: 255, count: size * size)
    let u = size / 8
    let ox = stream.nextInt(below: 2 * u + 1) - u
    let oy = stream.nextInt(below: 2 * u + 1) - u
    func ink(_ x: Int, _ y: Int) {
      let (xx, yy) = (x + ox, y + oy)
      if xx >= 0, yy >= 0, xx < size, yy < size { p[yy * size + xx] = 0 }
    }
    for a in (2 * u)..<(size - 2 * u) {
      for w in 0..<u {
        switch c {
        case 0: ink(2 * u + w, a)
        case 1: ink(a, 2 * u + w)
        case 2:
          ink(2 * u + w, a)
          ink(size - 3 * u + w, a)
          ink(a, 2 * u + w)
          ink(a, size - 3 * u + w)
        default: ink(a + w, a)
        }
      }
    }
    // A random short stroke somewhere, shared by no class.
    let sx = 3 * u + stream.nextInt(below: size - 6 * u)
    let sy = 3 * u + stream.nextInt(below: size - 6 * u)
    for d in 0..<(2 * u) { ink(sx + d, sy) }
    return p
  }

  /// A data set of `perClass` glyphs per pattern at `size` px; every fourth glyph of a class in
  /// the validation split. Code points are consecutive from U+4E00.
  static func dataset(size: Int = 16, perClass: Int = 40, seed: UInt64 = 0) throws -> URL {
    let dir = try temporaryDirectory("dataset")
    var rng = RandomStream(seed: seed, name: "fixture-glyphs")
    var images: [UInt8] = []
    var kept: [(UInt32, String)] = []
    var splits: [DatasetSplit] = []
    var labels: [GlyphLabels?] = []
    let words = ["person", "one", "enclosure", "slash"]
    for i in 0..<perClass {
      for c in 0..<4 {
        images += glyph(c, size: size, stream: &rng)
        kept.append((0x4E00 + UInt32(kept.count), "\(words[c]) \(i)"))
        splits.append(i % 4 == 3 ? .validation : .train)
        labels.append(GlyphLabels(radical: radicals[c], strokes: c + 1))
      }
    }
    try DatasetBuilder.writeShard(
      images, kept, splits: splits, labels: labels, size: size, to: dir)
    return dir
  }

  /// A small judge config for `size` px inputs (fast enough to train in a test).
  static func judgeConfig(size: Int) -> JudgeConfig {
    var c = JudgeConfig()
    c.imageSize = size
    c.channels = [8, 8, 16, 16, 16, 16]
    c.featureDim = 32
    return c
  }

  static var tinyEncoder: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("TextEncodingTests/Fixtures/tiny-bert")
  }

  /// A model folder with random weights of the `test` preset (at `size` px) and the tiny BERT
  /// fixture.
  static func randomModel(size: Int = 16) throws -> URL {
    let dir = try temporaryDirectory("model")
    var rng = RandomStream(seed: 1, name: "init")
    var config = UNetConfig.test(textDim: 32)
    config.sampleSize = size
    let unet = try UNet2DConditionModel(config, stream: &rng)
    let record = ModelFolder.Record(
      textEncoder: tinyEncoder.path, textEncoderIdentity: "tiny-bert", textDim: 32, maxTokens: 64,
      preset: "test", trainingSteps: 0)
    try ModelFolder.save(unet, record: record, to: dir)
    return dir
  }

  /// Gaussian feature rows.
  static func gaussian(count: Int, dim: Int, mean: Double = 0, seed: UInt64) -> FeatureSet {
    var rng = RandomStream(seed: seed, name: "features")
    return FeatureSet(
      count: count, dim: dim, rows: rng.normals(count * dim).map { Double($0) + mean })
  }
}
