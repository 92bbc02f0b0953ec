import Foundation
import Tensors
import Testing

@testable import Diffusion

/// The resume-after-kill test of issue 7 with a real process: `glyffuser train` (the executable
/// built next to the test bundle) is killed with SIGKILL right after its first checkpoint,
/// resumed with `--resume`, and its metrics must equal an uninterrupted run's bit for bit.
/// Needs the executable and a data set: writes a tiny `glyphs.safetensors` itself.
@Suite struct TrainingKillResumeTests {
  static var executable: URL? {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let url = dir.appendingPathComponent("glyffuser")
    return FileManager.default.isExecutableFile(atPath: url.path) ? url : nil
  }

  /// 24 images of 8 px (or `images`) in the shard format of `GlyphDataset` (U8 [N, S, S] + JSON
  /// metadata).
  static func writeDataset(to dir: URL, images: TrainingImages = TrainingFixture.images) throws {
    let splits = (0..<24).map { $0 < 20 ? "\"train\"" : "\"validation\"" }
    let json =
      "{\"codepoints\":[\((0..<24).map { String(0x4E00 + $0) }.joined(separator: ","))],"
      + "\"captions\":[\((0..<24).map { "\"caption \($0)\"" }.joined(separator: ","))],"
      + "\"splits\":[\(splits.joined(separator: ","))]}"
    try SafeTensors.write(
      [
        try SafeTensorsEntry(
          name: "images", dtype: .u8, shape: [24, images.size, images.size], data: images.pixels)
      ],
      metadata: ["glyffuser": json], to: dir.appendingPathComponent("glyphs.safetensors"))
  }

  static func train(_ exe: URL, _ args: [String], command: String = "train") throws -> Process {
    let p = Process()
    p.executableURL = exe
    p.arguments = [command] + args
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    return p
  }

  static func losses(_ run: URL) throws -> [[Float?]] {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
      .split(separator: "\n").map {
        let m = try JSONDecoder().decode(StepMetrics.self, from: Data($0.utf8))
        return [Float(m.step), m.loss, m.gradNorm, m.lr, m.valLoss]
      }
  }

  @Test(.enabled(if: executable != nil, "glyffuser executable not built"))
  func sigkilledRunResumesToTheSameLosses() throws {
    let exe = try #require(Self.executable)
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    try Self.writeDataset(to: data)
    func args(_ out: String) -> [String] {
      [
        "--preset", "test", "--dataset", data.path, "--out", root.appendingPathComponent(out).path,
        "--steps", "6", "--batch", "4", "--checkpoint-every", "2", "--val-every", "3",
        "--text-dim", "16", "--tokens", "4", "--warmup", "1", "--lr", "1e-3",
        "--captions", "random", "--sample-every", "0", "--precision", "f32",
      ]
    }
    let reference = try Self.train(exe, args("ref"))
    reference.waitUntilExit()
    #expect(reference.terminationStatus == 0)

    let killed = try Self.train(exe, args("kill"))
    let first = root.appendingPathComponent("kill/checkpoints/step-2")
    while !FileManager.default.fileExists(atPath: first.path) && killed.isRunning {
      usleep(20_000)
    }
    kill(killed.processIdentifier, SIGKILL)
    killed.waitUntilExit()
    #expect(killed.terminationReason == .uncaughtSignal)
    let resumed = try Self.train(exe, args("kill") + ["--resume"])
    resumed.waitUntilExit()
    #expect(resumed.terminationStatus == 0)

    let want = try Self.losses(root.appendingPathComponent("ref"))
    #expect(want.count == 6)
    #expect(try Self.losses(root.appendingPathComponent("kill")) == want)
  }

  /// The same for `glyffuser train-sr` (crops and augmentation drawn from saved streams).
  @Test(.enabled(if: executable != nil, "glyffuser executable not built"))
  func sigkilledSuperResolutionRunResumesToTheSameLosses() throws {
    let exe = try #require(Self.executable)
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    try Self.writeDataset(to: data, images: SuperResolutionTests.images16)
    func args(_ out: String) -> [String] {
      [
        "--dataset", data.path, "--out", root.appendingPathComponent(out).path, "--factor", "2",
        "--crop", "8", "--channels", "8,16", "--groups", "4", "--steps", "6", "--batch", "4",
        "--checkpoint-every", "2", "--val-every", "3", "--val-images", "4", "--warmup", "1",
        "--sample-every", "0", "--precision", "f32", "--objective", "diffusion",
      ]
    }
    let reference = try Self.train(exe, args("ref"), command: "train-sr")
    reference.waitUntilExit()
    #expect(reference.terminationStatus == 0)
    let killed = try Self.train(exe, args("kill"), command: "train-sr")
    let first = root.appendingPathComponent("kill/checkpoints/step-2")
    while !FileManager.default.fileExists(atPath: first.path) && killed.isRunning {
      usleep(20_000)
    }
    kill(killed.processIdentifier, SIGKILL)
    killed.waitUntilExit()
    let resumed = try Self.train(exe, args("kill") + ["--resume"], command: "train-sr")
    resumed.waitUntilExit()
    #expect(resumed.terminationStatus == 0)
    let want = try Self.losses(root.appendingPathComponent("ref"))
    #expect(want.count == 6)
    #expect(try Self.losses(root.appendingPathComponent("kill")) == want)
    #expect(
      SuperResolutionStage.isStage(root.appendingPathComponent("kill/model", isDirectory: true)))
  }
}
