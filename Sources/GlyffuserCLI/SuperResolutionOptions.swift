import ArgumentParser
import Diffusion
import Foundation

/// `--size`, `--sr-model`, `--sr-steps`, `--sr-sampler` of `generate` and `serve`: whether the
/// base model's glyphs go through the super-resolution stage, and with which settings. Without
/// `--size`, the shipped stage (`models/glyffuser-sr-128`) is used whenever it fits the base
/// model; `--size` equal to the base model's skips it.
struct SuperResolutionOptions: ParsableArguments {
  @Option(
    help:
      "Output size in pixels: the base model's (e.g. 32) or the super-resolution stage's (e.g. 128); default: the stage's when one fits the model."
  )
  var size: Int?
  @Option(
    help:
      "Super-resolution stage folder (from `glyffuser train-sr`); default: the shipped \(ShippedModels.superResolution)."
  )
  var srModel: String?
  @Option(help: "Super-resolution sampling steps (default: the stage's own).") var srSteps: Int?
  @Option(help: "Super-resolution sampler (default: the stage's own).")
  var srSampler: SamplerName?

  func validate() throws {
    if let srSteps, !(1...1000).contains(srSteps) {
      throw ValidationError("--sr-steps must be in 1…1000")
    }
    if let size, !(1...4096).contains(size) { throw ValidationError("--size must be 1…4096") }
  }

  /// The stage to run after a base model drawing `baseSize` px glyphs, or nil (no upsampling).
  func stage(baseSize: Int) throws -> SuperResolutionStage? {
    if size == baseSize { return nil }
    let folder =
      srModel.map { URL(fileURLWithPath: $0) }
      ?? ShippedModels.locate(ShippedModels.superResolution)
    guard SuperResolutionStage.isStage(folder) else {
      if srModel == nil && size == nil { return nil }
      throw CLIError(
        "\(folder.path): no super-resolution stage (train one with `glyffuser train-sr`, or "
          + "pass --size \(baseSize) for the base model's glyphs)")
    }
    var stage = try SuperResolutionStage.load(from: folder)
    if let srSteps { stage.record.steps = srSteps }
    if let srSampler { stage.record.sampler = srSampler }
    guard stage.record.lowResolution == baseSize else {
      if srModel == nil && size == nil { return nil }
      throw CLIError(
        "\(folder.path) upsamples \(stage.record.lowResolution) px glyphs; the model draws "
          + "\(baseSize) px")
    }
    if let size, size != stage.size {
      throw CLIError(
        "--size \(size): the model draws \(baseSize) px and the stage makes \(stage.size) px")
    }
    return stage
  }
}
