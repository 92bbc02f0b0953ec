import ArgumentParser
import Diffusion
import Foundation

/// `glyffuser convert`: a model folder copied with its weights in another element type — how
/// the shipped model (`models/glyffuser-32`, F16 EMA weights) is made from a training run's
/// `RUN/model` (F32). A super-resolution stage's folder converts the same way.
struct ConvertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Copy a model folder with its weights stored as fp16, bf16 or fp32.")

  @Option(help: "Model folder to read (e.g. RUN/model).") var model: String
  @Option(help: "Folder to write (config.json, weights, scheduler_config.json, glyffuser.json).")
  var out: String
  @Option(
    help:
      "Element type of the written weights: \(WeightStorage.allCases.map(\.rawValue).joined(separator: ", "))."
  )
  var dtype: WeightStorage = .fp16

  func run() throws {
    let source = URL(fileURLWithPath: model)
    let destination = URL(fileURLWithPath: out)
    if SuperResolutionStage.isStage(source) {
      try SuperResolutionStage.convert(from: source, to: destination, storage: dtype.dtype)
    } else {
      try ModelFolder.convert(from: source, to: destination, storage: dtype.dtype)
    }
    let weights = destination.appendingPathComponent(UNetCheckpoint.weightsFile)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: weights.path)[.size]) as? Int
    print("wrote \(out) (\(dtype.rawValue) weights, \((bytes ?? 0) >> 10) KiB)")
  }
}
