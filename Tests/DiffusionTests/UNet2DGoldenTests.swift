import Foundation
import NN
import Testing

@testable import Diffusion
@testable import Tensors

/// The super-resolution stage's network against diffusers 0.42.1's `UNet2DModel`: fixture written
/// by scripts/reference/unet2d.py (plain blocks, mid block without attention, 2 input channels,
/// an 8 px crop of a 16 px model). Outputs within 1e-4, gradients within 1e-3.
@Suite struct UNet2DGoldenTests {
  static var fixture: URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures/unet2d-test")
  }

  static let config = UNetConfig.unconditional(
    sampleSize: 16, inChannels: 2, blockOutChannels: [8, 16, 16], layersPerBlock: 1, normGroups: 4
  )

  @Test func forwardAndGradientsMatchDiffusers() throws {
    let model = try UNetCheckpoint.load(from: Self.fixture)
    #expect(model.config == Self.config)
    #expect(model.config.parameterCount == model.parameterCount)
    let io = try SafeTensorsFile(contentsOf: Self.fixture.appendingPathComponent("io.safetensors"))
    let sample = UNetGoldenTests.nchwToNHWC(try Tensor(safeTensors: io, name: "sample"))
      .requiringGrad()
    let t = try Tensor(safeTensors: io, name: "timesteps").scalars
    let out = ComputePrecision.with(.f32) { model(sample, timesteps: t) }
    let expected = UNetGoldenTests.nchwToNHWC(try Tensor(safeTensors: io, name: "output"))
    let err = UNetGoldenTests.maxRelativeError(out.scalars, expected.scalars)
    #expect(err < 1e-4, "output max error \(err) relative to max |output|")

    let w = UNetGoldenTests.nchwToNHWC(try Tensor(safeTensors: io, name: "loss_weights"))
    model.zeroGrad()
    (out * w).sum().backward()
    let gSample = UNetGoldenTests.nchwToNHWC(try Tensor(safeTensors: io, name: "grad.sample"))
    let e1 = UNetGoldenTests.maxRelativeError(sample.grad!.scalars, gSample.scalars)
    #expect(e1 < 1e-3, "∂/∂sample error \(e1)")
    let params = Dictionary(uniqueKeysWithValues: model.namedParameters())
    for name in [
      "conv_in.weight", "mid_block.resnets.1.conv2.weight",
      "up_blocks.2.resnets.0.conv_shortcut.weight",
    ] {
      let ref = UNetCheckpoint.fromFile(try Tensor(safeTensors: io, name: "grad." + name))
      let e = UNetGoldenTests.maxRelativeError(params[name]!.grad!.scalars, ref.scalars)
      #expect(e < 1e-3, "∂/∂\(name) error \(e)")
    }
  }

  /// The config Swift writes reads back as the same config, names the diffusers class, and the
  /// weights reload to the same outputs.
  @Test func swiftSavedModelReloadsIdentically() throws {
    var rng = RandomStream(seed: 3, name: "init")
    let model = try UNet2DConditionModel(Self.config, stream: &rng)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unet2d-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    try UNetCheckpoint.save(model, to: dir)
    let json = try String(contentsOf: dir.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(json.contains("\"_class_name\" : \"UNet2DModel\""))
    #expect(json.contains("\"add_attention\" : false"))
    let back = try UNetCheckpoint.load(from: dir)
    #expect(back.config == Self.config)
    var noise = RandomStream(seed: 1, name: "x")
    let x = Tensor.randomNormal([2, 16, 16, 2], stream: &noise)
    let a = withNoGrad { model(x, timesteps: [5, 500]) }
    let b = withNoGrad { back(x, timesteps: [5, 500]) }
    #expect(a.scalars == b.scalars)
  }

  /// What this package cannot build is refused by field, not misread.
  @Test func unsupportedUNet2DModelSettingsNameTheField() throws {
    let good =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: Self.fixture.appendingPathComponent("config.json")))
      as! [String: Any]
    func error(_ change: (inout [String: Any]) -> Void) -> String {
      var d = good
      change(&d)
      let data = try! JSONSerialization.data(withJSONObject: d)
      do {
        _ = try UNetConfig(diffusersJSON: data)
        return "accepted"
      } catch { return "\(error)" }
    }
    #expect(error { $0["add_attention"] = true }.contains("add_attention"))
    #expect(
      error { $0["down_block_types"] = ["AttnDownBlock2D", "DownBlock2D", "DownBlock2D"] }
        .contains("down_block_types"))
    #expect(error { $0["num_class_embeds"] = 4 }.contains("num_class_embeds"))
    #expect(error { $0["time_embedding_type"] = "fourier" }.contains("time_embedding_type"))
    #expect(error { $0["_class_name"] = "UNet3DModel" }.contains("_class_name"))
    #expect(error { $0["block_out_channels"] = [8, 16] }.contains("down_block_types"))
    #expect(error { _ in } == "accepted")
  }
}
