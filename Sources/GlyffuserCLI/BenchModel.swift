import ArgumentParser
import Diffusion
import Tensors

/// `glyffuser bench model`: parameters and forward FLOPs per image of each preset.
struct BenchModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model", abstract: "Parameter count and forward GFLOP per image of the presets.")

  @Option(help: "Comma-separated presets.") var presets = "tiny,small,glyffuser"
  @Option(help: "Text tokens per prompt.") var tokens = 16

  func run() throws {
    for name in presets.split(separator: ",").map(String.init) {
      let config = try UNetConfig.preset(named: name)
      var rng = RandomStream(seed: 0, name: "init")
      let model = try UNet2DConditionModel(config, stream: &rng)
      let s = config.sampleSize
      let (_, flops) = FLOPCounter.count {
        withNoGrad {
          model(
            Tensor.zeros([1, s, s, 1]), timesteps: [500],
            text: Tensor.zeros([1, tokens, config.textDim]), mask: nil)
        }
      }
      print(
        "\(name): \(s) px, channels \(config.blockOutChannels), \(model.parameterCount) parameters, "
          + String(format: "%.2f GFLOP per image forward (%d text tokens)", flops / 1e9, tokens))
    }
  }
}
