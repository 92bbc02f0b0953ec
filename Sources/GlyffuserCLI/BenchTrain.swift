import ArgumentParser
import Diffusion
import Foundation
import NN
import Tensors

/// `glyffuser bench train`: training throughput of a preset (or a config.json) on random data (no data set needed):
/// forward, backward, gradient clipping and an AdamW step per iteration.
struct BenchTrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train", abstract: "Training throughput (img/s) of a U-Net preset or config.json.")

  @OptionGroup var shape: UNetShapeOptions
  @Option(help: "Images per step.") var batch = 32
  @Option(help: "Timed steps (after 2 warm-up steps).") var steps = 5
  @Option(help: "Text tokens per caption.") var tokens = 16
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?
  @Flag(help: "One JSON object instead of text.") var json = false

  func run() throws {
    let config = try shape.config(textDim: 384)
    var rng = RandomStream(seed: 0, name: "init")
    let model = try UNet2DConditionModel(config, stream: &rng)
    let opt = AdamW(model)
    let p = try PrecisionFlag.apply(precision, for: .training).precision
    var data = RandomStream(seed: 0, name: "data")
    let s = config.sampleSize
    let x = Tensor.randomNormal([batch, s, s, 1], stream: &data)
    let eps = Tensor.randomNormal([batch, s, s, 1], stream: &data)
    let text = Tensor.randomNormal([batch, tokens, config.textDim], stream: &data)
    let t = (0..<batch).map { Float(($0 * 37) % 1000) }
    // Forward FLOPs of one image (convolutions, matrix products, attention).
    let (_, flops) = FLOPCounter.count {
      withNoGrad {
        model(
          x.slice(axis: 0, range: 0..<1).contiguous(), timesteps: [t[0]],
          text: text.slice(axis: 0, range: 0..<1).contiguous(), mask: nil)
      }
    }
    var times: [Double] = []
    ComputePrecision.with(p) {
      for i in 0..<(steps + 2) {
        let start = DispatchTime.now().uptimeNanoseconds
        let loss = model(x, timesteps: t, text: text, mask: nil).mseLoss(eps)
        model.zeroGrad()
        loss.backward()
        clipGradNorm(model.parameters, maxNorm: 1)
        opt.step(lr: 1e-4)
        let sec = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if i >= 2 { times.append(sec) }
      }
    }
    let median = times.sorted()[times.count / 2]
    let imgs = Double(batch) / median
    if json {
      print(
        #"{"bench": "train", "preset": "\#(shape.name)", "batch": \#(batch), "precision": "\#(p.rawValue)", "step_s": \#(median), "img_per_s": \#(imgs), "params": \#(model.parameterCount), "gflops_per_image_fwd": \#(flops / 1e9), "peak_rss_mib": \#(PeakMemory.residentMiB()), "requested": "\#(precision?.rawValue ?? "default")", \#(BenchMachine.jsonFields)}"#
      )
    } else {
      print(
        "train \(shape.name) batch \(batch) \(p.rawValue): \(String(format: "%.3f", median)) s/step, "
          + "\(String(format: "%.1f", imgs)) img/s, \(model.parameterCount) parameters, \(String(format: "%.2f", flops / 1e9)) GFLOP per image forward, peak RSS \(PeakMemory.residentMiB()) MiB"
      )
    }
  }
}
