import Foundation
import Tensors
import Testing

@testable import Diffusion

/// A forced precision is honoured by every command that computes: each runs with `--precision P`
/// and with `GLYFFUSER_PRECISION=P`, and says so on stderr ("precision: P (--precision)"); a
/// training run also writes it on its first metrics line. Runs the real executable; `eval` (once,
/// in f32 by flag: it is the slow one) needs a labelled data set, built from Unihan and Noto Sans CJK
/// when they are installed.
@Suite(.serialized) struct ForcedPrecisionCLITests {
  typealias CLI = RealFaultTests

  @Test(.enabled(if: CLI.executable != nil, "glyffuser executable not built"))
  func everyComputingCommandHonoursAForcedPrecision() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let shard = root.appendingPathComponent("shard")
    try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
    try TrainingKillResumeTests.writeDataset(to: shard)
    let labelled = root.appendingPathComponent("glyphs")
    var hasLabelled = false
    if CLI.hasSources {
      hasLabelled = try CLI.run(CLI.datasetArgs(labelled, limit: 200), in: root).status == 0
    }

    let model = ShippedModels.locate(ShippedModels.glyffuser).path
    // Each command's arguments, given the folder it may write into.
    let commands: [(name: String, args: (URL) -> [String])] = [
      (
        "generate",
        {
          // The base model alone: the 128 px stage is tested on its own (SuperResolutionTests).
          [
            "generate", "gold", "--count", "1", "--steps", "1", "--size", "32", "--out",
            $0.path + "/g.png",
          ]
        }
      ),
      (
        "compare",
        {
          [
            "compare", "--model", model, "gold", "--count", "1", "--steps", "1", "--out",
            $0.path + "/c.png",
          ]
        }
      ),
      ("explain", { ["explain", "gaussian", "--out", $0.path] }),
      (
        "bench-train",
        { _ in ["bench", "train", "--preset", "test", "--batch", "2", "--steps", "1"] }
      ),
      (
        "bench-sample",
        { _ in ["bench", "sample", "--preset", "test", "--batch", "1", "--steps", "1"] }
      ),
    ]
    let precisions = CPUFeatures.bf16IsFast ? ["f32", "bf16"] : ["f32"]
    for p in precisions {
      for (name, arguments) in commands {
        let work = root.appendingPathComponent("\(name)-\(p)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let flagged = try CLI.run(arguments(work) + ["--precision", p], in: work)
        #expect(flagged.status == 0, "\(name) --precision \(p): \(flagged.stderr)")
        #expect(
          flagged.stderr.contains("precision: \(p) (--precision)"), "\(name): \(flagged.stderr)")
        let environment = try CLI.run(
          arguments(work), in: work, environment: ["GLYFFUSER_PRECISION": p])
        #expect(environment.status == 0, "\(name) GLYFFUSER_PRECISION=\(p): \(environment.stderr)")
        #expect(
          environment.stderr.contains("precision: \(p) (GLYFFUSER_PRECISION)"),
          "\(name): \(environment.stderr)")
      }
      // eval once, in f32 by flag: in a debug build it takes half a minute.
      if hasLabelled, p == "f32" {
        let outcome = try CLI.run(
          [
            "eval", "--dataset", labelled.path, "--characters", "8", "--per-prompt", "1",
            "--per-family", "0", "--unconditional", "2", "--steps", "1", "--precision", p,
          ], in: root)
        #expect(outcome.status == 0 && outcome.stderr.contains("precision: \(p) (--precision)"))
      }
      let run = root.appendingPathComponent("run-\(p)")
      let train = try CLI.run(
        [
          "train", "--preset", "test", "--dataset", shard.path, "--out", run.path, "--steps", "1",
          "--batch", "4", "--text-dim", "16", "--tokens", "4", "--captions", "random",
          "--sample-every", "0", "--precision", p,
        ], in: root)
      #expect(train.status == 0 && train.stderr.contains("precision: \(p) (--precision)"))
      let first =
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        .split(separator: "\n").first.map(String.init) ?? ""
      #expect(first.contains("\"precision\":\"\(p)\""), "metrics: \(first)")
    }
  }
}
