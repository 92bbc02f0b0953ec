import Foundation
import Testing

@testable import GlyffuserServer
@testable import Imaging

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

extension GlyphServerTests {
  /// `serve --run RUN`: a run read live — its numbers, the curves `plot` draws, its newest
  /// preview grid — while a line of metrics.jsonl is still being written.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func theTrainingTabReadsARunWhileItIsWritten() async throws {
    let run = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-run-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: run) }
    let samples = run.appendingPathComponent("samples")
    try FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
    var lines = ""
    for step in 1...30 {
      let validation = step % 10 == 0 ? #", "val_loss": 0.2, "val_loss_ema": 0.19"# : ""
      lines +=
        #"{"step": \#(step), "epoch": 0, "loss": \#(1.0 / Double(step)), "lr": 0.001, "grad_norm": 1, "img_per_s": 50\#(validation)}"#
        + "\n"
    }
    lines += #"{"step": 31, "ep"#  // being written
    try Data(lines.utf8).write(to: run.appendingPathComponent("metrics.jsonl"))
    let grid = try PNGEncoder.encode(
      RasterImage(width: 4, height: 4, format: .grey, pixels: [UInt8](repeating: 200, count: 16)))
    for step in [10, 20] {
      try Data(grid).write(to: samples.appendingPathComponent("step-\(step).png"))
    }
    try await Self.withServer(run: run) { base, _ in
      let (status, body) = try await Self.get(base.appendingPathComponent("api/run"))
      let summary = try Self.object(body)
      #expect(status == 200)
      #expect(summary["step"] as? Int == 30 && summary["sample_step"] as? Int == 20)
      #expect(abs((summary["val_loss_ema"] as? Double ?? 0) - 0.19) < 1e-6)
      #expect(summary["evaluated"] as? Bool == false)
      let (lossStatus, loss) = try await Self.get(base.appendingPathComponent("api/run/loss.png"))
      #expect(lossStatus == 200)
      let decoded = try PNGDecoder.decode(Array(loss))
      #expect(decoded.width == 900 && decoded.height == 540)
      let (sampleStatus, sample) = try await Self.get(
        base.appendingPathComponent("api/run/sample.png"))
      #expect(sampleStatus == 200 && Array(sample) == grid)
      let (evalStatus, _) = try await Self.get(base.appendingPathComponent("api/run/eval.png"))
      #expect(evalStatus == 404)
      let (_, info) = try await Self.get(base.appendingPathComponent("api/info"))
      #expect(try Self.object(info)["run"] as? Bool == true)
    }
    // Without --run there is no Training tab.
    try await Self.withServer { base, _ in
      let (status, _) = try await Self.get(base.appendingPathComponent("api/run"))
      #expect(status == 404)
    }
  }
}
