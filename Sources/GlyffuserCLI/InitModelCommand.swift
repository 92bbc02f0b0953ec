import ArgumentParser
import Diffusion
import Foundation
import Tensors
import TextEncoding

/// `glyffuser init-model`: a model folder with random initial weights (tests, pipelines checks).
struct InitModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init-model", abstract: "Write a model folder with random initial weights.")

  @Option(help: "Preset: tiny, fast, small, glyffuser, test.") var preset = "tiny"
  @Option(help: "Output folder.") var out: String
  @Option(help: "Text encoder name or folder.") var encoder: String?
  @Option(help: "Seed for the initial weights.") var seed: UInt64 = 0
  @Option(help: "Text width without loading an encoder (benchmarks: the folder then names none).")
  var textDim: Int?

  func run() throws {
    var rng = RandomStream(seed: seed, name: "init")
    let record: ModelFolder.Record
    if let textDim {
      record = ModelFolder.Record(
        textEncoder: "none", textEncoderIdentity: "none", textDim: textDim, maxTokens: 77,
        preset: preset, trainingSteps: 0)
    } else {
      let textEncoder = try TextEncoder.load(encoder)
      record = ModelFolder.Record(
        textEncoder: encoder ?? textEncoder.name, textEncoderIdentity: textEncoder.identity,
        textDim: textEncoder.hiddenSize, maxTokens: textEncoder.maxLength, preset: preset,
        trainingSteps: 0)
    }
    let config = try UNetConfig.preset(named: preset, textDim: record.textDim)
    let unet = try UNet2DConditionModel(config, stream: &rng)
    try ModelFolder.save(unet, record: record, to: URL(fileURLWithPath: out))
    print("wrote \(out): \(preset), \(unet.parameterCount) parameters")
  }
}
