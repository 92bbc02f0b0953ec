import ArgumentParser
import Diffusion
import Foundation
import Tensors
import TextEncoding

/// `glyffuser init-model`: a model folder with random initial weights (tests, pipelines checks).
struct InitModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init-model", abstract: "Write a model folder with random initial weights.")

  @Option(help: "Preset: tiny, small, glyffuser, test.") var preset = "tiny"
  @Option(help: "Output folder.") var out: String
  @Option(help: "Text encoder name or folder.") var encoder: String?
  @Option(help: "Seed for the initial weights.") var seed: UInt64 = 0

  func run() throws {
    let textEncoder = try TextEncoder.load(encoder)
    var rng = RandomStream(seed: seed, name: "init")
    let config = try UNetConfig.preset(named: preset, textDim: textEncoder.hiddenSize)
    let unet = try UNet2DConditionModel(config, stream: &rng)
    let record = ModelFolder.Record(
      textEncoder: encoder ?? textEncoder.name, textEncoderIdentity: textEncoder.identity,
      textDim: textEncoder.hiddenSize, maxTokens: textEncoder.maxLength, preset: preset,
      trainingSteps: 0)
    try ModelFolder.save(unet, record: record, to: URL(fileURLWithPath: out))
    print("wrote \(out): \(preset), \(unet.parameterCount) parameters")
  }
}
