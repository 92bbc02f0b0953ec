import Foundation
import Testing

@testable import Diffusion

/// `train --unet-config FILE` builds the network a diffusers config.json describes: the `test`
/// preset's own config.json trains to the preset's losses bit for bit (same shape, same initial
/// weights), another shape trains and is what the checkpoint records, and a file the captions
/// cannot feed, or both flags at once, is refused naming the field.
@Suite(.serialized) struct UNetConfigOptionCLITests {
  typealias CLI = RealFaultTests

  @Test(.enabled(if: CLI.executable != nil, "glyffuser executable not built"))
  func aConfigFileTrainsTheNetworkItDescribes() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    try TrainingKillResumeTests.writeDataset(to: data)
    func write(_ config: UNetConfig, _ name: String) throws -> String {
      let url = root.appendingPathComponent(name)
      try config.jsonData().write(to: url)
      return url.path
    }
    func train(_ shape: [String], _ out: String, textDim: Int = 16) throws -> CLI.Outcome {
      try CLI.run(
        ["train"] + shape + [
          "--dataset", data.path, "--out", root.appendingPathComponent(out).path, "--steps", "3",
          "--batch", "4", "--checkpoint-every", "3", "--val-every", "0", "--text-dim",
          "\(textDim)", "--tokens", "4", "--warmup", "1", "--lr", "1e-3", "--captions",
          "random", "--sample-every", "0", "--precision", "f32",
        ], in: root)
    }

    let preset = try train(["--preset", "test"], "preset")
    #expect(preset.status == 0, "\(preset.stderr)")
    let sameShape = try train(
      ["--unet-config", try write(.test(textDim: 16), "test.json")], "file")
    #expect(sameShape.status == 0, "\(sameShape.stderr)")
    let want = try TrainingKillResumeTests.losses(root.appendingPathComponent("preset"))
    #expect(want.count == 3)
    #expect(try TrainingKillResumeTests.losses(root.appendingPathComponent("file")) == want)

    // Attention only in the mid block: a shape no preset has.
    var plain = UNetConfig.test(textDim: 16)
    plain.downBlocks = [.plain, .plain]
    plain.upBlocks = [.plain, .plain]
    let other = try train(["--unet-config", try write(plain, "plain.json")], "plain")
    #expect(other.status == 0, "\(other.stderr)")
    let saved = root.appendingPathComponent("plain/checkpoints/step-3/unet/config.json")
    #expect(try UNetConfig(diffusersJSON: Data(contentsOf: saved)) == plain)
    #expect(try TrainingKillResumeTests.losses(root.appendingPathComponent("plain")) != want)

    let narrowText = try train(
      ["--unet-config", try write(.test(textDim: 16), "t16.json")], "narrow", textDim: 8)
    #expect(narrowText.status != 0)
    #expect(narrowText.stderr.contains("encoder_hid_dim"), "\(narrowText.stderr)")
    let both = try train(["--preset", "test", "--unet-config", root.path + "/test.json"], "both")
    #expect(both.status != 0)
    #expect(both.stderr.contains("not both"), "\(both.stderr)")
  }
}
