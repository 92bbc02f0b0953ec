import Foundation
import NN
import Tensors

@testable import Diffusion

/// A tiny synthetic glyph set for trainer tests: 24 images of 8×8 px (a bar at a position that
/// depends on the index, on white), the first 20 for training, the last 4 held out.
enum TrainingFixture {
  static let count = 24

  static var images: TrainingImages {
    var pixels = [UInt8](repeating: 255, count: count * 64)
    for i in 0..<count {
      let row = i % 8
      for x in 0..<8 { pixels[i * 64 + row * 8 + x] = 0 }
      pixels[i * 64 + (i * 5 % 64)] = 0
    }
    return TrainingImages(
      pixels: pixels, size: 8, trainIndices: Array(0..<20), validationIndices: Array(20..<24))
  }

  static var captions: RandomCaptionEmbeddings {
    RandomCaptionEmbeddings(count: count, tokens: 4, dim: 16, seed: 1)
  }

  static func config(steps: Int = 8) -> TrainingConfig {
    var c = TrainingConfig()
    c.seed = 7
    c.batchSize = 4
    c.duration = .steps(steps)
    c.scheduleSteps = 8
    c.warmupSteps = 2
    c.learningRate = 1e-3
    c.emaDecay = 0.99
    c.checkpointEvery = 100
    c.validationEvery = 3
    c.sampleEvery = 0
    c.sampleSteps = 2
    c.samplePrompts = ["gold", "water"]
    c.progressInterval = 1e9
    return c
  }

  static func model() throws -> UNet2DConditionModel {
    var rng = RandomStream(seed: 3, name: "init")
    return try UNet2DConditionModel(.test(), stream: &rng)
  }

  static func trainer(_ config: TrainingConfig) throws -> Trainer {
    try Trainer(model: try model(), config: config, images: images, captions: captions)
  }

  /// The model record of a run on `captions` (random 16-d embeddings, 4 tokens).
  static let record = ModelFolder.Record(
    textEncoder: "random", textEncoderIdentity: "random", textDim: 16, maxTokens: 4,
    preset: "test", trainingSteps: nil)

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-training-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func weights(_ model: any Module) -> [String: [Float]] {
    Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.value.scalars) })
  }
}

/// Prompts → fixed embeddings (the same RandomCaptionEmbeddings row for the same prompt text).
struct HashPromptEncoder: PromptEncoder {
  let table = RandomCaptionEmbeddings(count: 64, tokens: 4, dim: 16, seed: 2)
  func encode(_ prompts: [String]) throws -> (text: Tensor, mask: Tensor) {
    let rows = prompts.map { p in
      p.isEmpty ? 0 : 1 + Int(p.utf8.reduce(0) { $0 &+ UInt32($1) } % 63)
    }
    return table.batch(indices: rows)
  }
}
