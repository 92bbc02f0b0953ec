import ArgumentParser
import Diffusion
import Foundation

/// The network a command builds: a named preset, or any `UNet2DConditionModel` config.json this
/// package can build (as diffusers' `UNet2DConditionModel.from_config` would) — how the recipe
/// study tries shapes that are not presets.
struct UNetShapeOptions: ParsableArguments {
  @Option(help: "Preset: tiny, fast, small, glyffuser (or test); default tiny.") var preset: String?
  @Option(
    help: ArgumentHelp(
      "A diffusers UNet2DConditionModel config.json to build instead of --preset.",
      valueName: "config.json"))
  var unetConfig: String?

  func validate() throws {
    if preset != nil, unetConfig != nil {
      throw ValidationError("give --preset or --unet-config, not both")
    }
  }

  /// What the network is called in logs and benchmark output.
  var name: String {
    unetConfig.map { URL(fileURLWithPath: $0).lastPathComponent } ?? presetName!
  }

  /// The preset's name for a model folder's record; nil for a config file (its config.json is
  /// the record of its shape).
  var presetName: String? { unetConfig == nil ? preset ?? "tiny" : nil }

  /// The configuration for captions `textDim` wide. A config file must read text of that width.
  func config(textDim: Int) throws -> UNetConfig {
    guard let unetConfig else {
      return try UNetConfig.preset(named: presetName!, textDim: textDim)
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: unetConfig))
    } catch {
      throw CLIError("--unet-config \(unetConfig): \(error.localizedDescription)")
    }
    let config: UNetConfig
    do {
      config = try UNetConfig(diffusersJSON: data, file: unetConfig)
    } catch { throw CLIError("\(unetConfig): \(error)") }
    guard config.takesText else {
      throw CLIError("\(unetConfig): _class_name must be UNet2DConditionModel (a text model)")
    }
    guard config.textDim == textDim else {
      throw CLIError(
        "\(unetConfig): config field encoder_hid_dim: the network reads \(config.textDim)-wide "
          + "text, the captions are \(textDim)-wide")
    }
    return config
  }
}
