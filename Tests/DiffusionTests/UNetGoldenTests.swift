import Foundation
import NN
import Testing

@testable import Diffusion
@testable import Tensors

/// The Swift U-Net against diffusers 0.42.1: fixture written by scripts/reference/unet.py (a tiny
/// random UNet2DConditionModel with cross-attention blocks, text_proj, addition_embed_type "text"
/// and a key-padding mask). Outputs within 1e-4, gradients within 1e-3.
@Suite struct UNetGoldenTests {
  static var fixture: URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures/unet-test")
  }

  static func nchwToNHWC(_ t: Tensor) -> Tensor { t.permuted([0, 2, 3, 1]).contiguous() }

  static func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    let scale = b.map { Swift.abs($0) }.max() ?? 1
    return zip(a, b).map { Swift.abs($0 - $1) }.max()! / max(scale, 1e-6)
  }

  @Test func forwardAndGradientsMatchDiffusers() throws {
    let model = try UNetCheckpoint.load(from: Self.fixture)
    #expect(model.config == .test())
    let io = try SafeTensorsFile(contentsOf: Self.fixture.appendingPathComponent("io.safetensors"))
    let sample = Self.nchwToNHWC(try Tensor(safeTensors: io, name: "sample")).requiringGrad()
    let text = try Tensor(safeTensors: io, name: "text")
    let mask = try Tensor(safeTensors: io, name: "mask")
    let t = try Tensor(safeTensors: io, name: "timesteps").scalars
    let out = ComputePrecision.with(.f32) { model(sample, timesteps: t, text: text, mask: mask) }
    let expected = Self.nchwToNHWC(try Tensor(safeTensors: io, name: "output"))
    let err = Self.maxRelativeError(out.scalars, expected.scalars)
    #expect(err < 1e-4, "output max error \(err) relative to max |output|")

    let w = Self.nchwToNHWC(try Tensor(safeTensors: io, name: "loss_weights"))
    model.zeroGrad()
    (out * w).sum().backward()
    let gSample = Self.nchwToNHWC(try Tensor(safeTensors: io, name: "grad.sample"))
    let e1 = Self.maxRelativeError(sample.grad!.scalars, gSample.scalars)
    #expect(e1 < 1e-3, "∂/∂sample error \(e1)")
    let params = Dictionary(uniqueKeysWithValues: model.namedParameters())
    for name in [
      "conv_in.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight",
      "add_embedding.pool.q_proj.weight",
    ] {
      let ref = UNetCheckpoint.fromFile(try Tensor(safeTensors: io, name: "grad." + name))
      let e = Self.maxRelativeError(params[name]!.grad!.scalars, ref.scalars)
      #expect(e < 1e-3, "∂/∂\(name) error \(e)")
    }
  }

  @Test func swiftSavedModelReloadsIdentically() throws {
    var rng = RandomStream(seed: 3, name: "init")
    let model = try UNet2DConditionModel(.test(), stream: &rng)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unet-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    try UNetCheckpoint.save(model, to: dir)
    let back = try UNetCheckpoint.load(from: dir)
    var noise = RandomStream(seed: 1, name: "x")
    let x = Tensor.randomNormal([2, 8, 8, 1], stream: &noise)
    let text = Tensor.randomNormal([2, 3, 16], stream: &noise)
    let a = withNoGrad { model(x, timesteps: [5, 500], text: text, mask: nil) }
    let b = withNoGrad { back(x, timesteps: [5, 500], text: text, mask: nil) }
    #expect(a.scalars == b.scalars)
  }

  /// At bf16 the products write bf16 activations, but ε̂ leaves as fp32 (the samplers and the
  /// loss compute in fp32), within bf16 accuracy of the fp32 model.
  @Test func bf16ModelReturnsFP32() throws {
    var rng = RandomStream(seed: 3, name: "init")
    let model = try UNet2DConditionModel(.test(), stream: &rng)
    var noise = RandomStream(seed: 1, name: "x")
    let x = Tensor.randomNormal([2, 8, 8, 1], stream: &noise)
    let text = Tensor.randomNormal([2, 3, 16], stream: &noise)
    let run = { (p: Precision) in
      ComputePrecision.with(p) {
        withNoGrad { model(x, timesteps: [5, 500], text: text, mask: nil) }
      }
    }
    let (bf16, f32) = (run(.bf16), run(.f32))
    #expect(bf16.dtype == .f32)
    let scale = f32.scalars.map(abs).max() ?? 1
    let worst = zip(bf16.scalars, f32.scalars).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 0.05 * scale, "worst \(worst), scale \(scale)")
  }

  /// With GLYFFUSER_EXPORT_DIR set, writes a Swift-initialised model and its output on the
  /// golden inputs there, for `scripts/reference/unet.py --check-swift DIR` (diffusers side).
  @Test func exportForDiffusersCheck() throws {
    guard let path = ProcessInfo.processInfo.environment["GLYFFUSER_EXPORT_DIR"] else { return }
    var rng = RandomStream(seed: 11, name: "init")
    let model = try UNet2DConditionModel(.test(), stream: &rng)
    let dir = URL(fileURLWithPath: path)
    try UNetCheckpoint.save(model, to: dir)
    let io = try SafeTensorsFile(contentsOf: Self.fixture.appendingPathComponent("io.safetensors"))
    let out = withNoGrad {
      model(
        Self.nchwToNHWC(try! Tensor(safeTensors: io, name: "sample")),
        timesteps: try! Tensor(safeTensors: io, name: "timesteps").scalars,
        text: try! Tensor(safeTensors: io, name: "text"),
        mask: try! Tensor(safeTensors: io, name: "mask"))
    }
    try SafeTensors.write(
      [out.safeTensorsEntry(name: "output")],
      to: dir.appendingPathComponent("swift_output.safetensors"))
  }

  @Test func badModelFoldersNameTheProblem() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unet-bad-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    var rng = RandomStream(seed: 3, name: "init")
    let model = try UNet2DConditionModel(.test(), stream: &rng)
    try UNetCheckpoint.save(model, to: dir)
    // Drop one tensor: the error names it.
    let weights = dir.appendingPathComponent(UNetCheckpoint.weightsFile)
    let file = try SafeTensorsFile(contentsOf: weights)
    let kept = try file.names.filter { $0 != "conv_out.bias" }.map {
      try Tensor(safeTensors: file, name: $0).safeTensorsEntry(name: $0)
    }
    try SafeTensors.write(kept, to: weights)
    #expect {
      try UNetCheckpoint.load(from: dir)
    } throws: { "\($0)".contains("conv_out.bias") }
    // An unknown block type lists the valid ones.
    var json = model.config.diffusersJSON
    json["down_block_types"] = ["DownBlock2D", "AttnDownBlock2D"]
    let data = try JSONSerialization.data(withJSONObject: json)
    #expect {
      try UNetConfig(diffusersJSON: data)
    } throws: { "\($0)".contains("AttnDownBlock2D") && "\($0)".contains("CrossAttnDownBlock2D") }
  }
}
