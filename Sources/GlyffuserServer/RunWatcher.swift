import Diffusion
import Explain
import Foundation
import Imaging

/// A training run folder (`glyffuser train --out RUN`), read afresh at every request so that a
/// running run is seen live: its `metrics.jsonl` (a line still being written is skipped), the
/// loss and evaluation curves `glyffuser plot` draws, and its newest preview grid
/// (`samples/step-N.png`). What `serve --run RUN` shows in the Training tab.
public struct RunWatcher: Sendable {
  public let directory: URL

  public init(directory: URL) { self.directory = directory }

  /// What `GET /api/run` answers.
  public struct Summary: Codable, Sendable, Equatable {
    public var run: String
    public var step: Int?
    public var loss: Float?
    public var valLoss: Float?
    public var valLossEMA: Float?
    public var imgPerS: Double?
    /// The step of the newest preview grid.
    public var sampleStep: Int?
    public var evaluated: Bool
    /// Seconds since metrics.jsonl last changed (a finished or stopped run stops changing).
    public var idleSeconds: Double?

    enum CodingKeys: String, CodingKey {
      case run, step, loss, evaluated
      case valLoss = "val_loss"
      case valLossEMA = "val_loss_ema"
      case imgPerS = "img_per_s"
      case sampleStep = "sample_step"
      case idleSeconds = "idle_seconds"
    }
  }

  /// The run's metrics so far (empty before its first step).
  public func metrics() throws -> [StepMetrics] {
    guard FileManager.default.fileExists(atPath: metricsURL.path) else { return [] }
    return try TrainingMetrics.read(run: directory)
  }

  public func summary() throws -> Summary {
    let all = try metrics()
    let modified =
      (try? FileManager.default.attributesOfItem(atPath: metricsURL.path))?[
        .modificationDate] as? Date
    return Summary(
      run: directory.lastPathComponent, step: all.last?.step, loss: all.last?.loss,
      valLoss: all.last(where: { $0.valLoss != nil })?.valLoss,
      valLossEMA: all.last(where: { $0.valLossEMA != nil })?.valLossEMA,
      imgPerS: all.last?.imgPerS, sampleStep: newestSample()?.step,
      evaluated: all.contains { $0.eval != nil },
      idleSeconds: modified.map { Date().timeIntervalSince($0) })
  }

  /// The loss curves as PNG (nil before the first step).
  public func lossPNG() throws -> [UInt8]? {
    let all = try metrics()
    guard !all.isEmpty else { return nil }
    let figure = TrainingCurves.loss(
      all, title: "Training loss — \(directory.lastPathComponent)", window: 50)
    return try PNGEncoder.encode(try figure.render())
  }

  /// Adherence and FD against step and minutes as PNG (nil when the run is not evaluated).
  public func evaluationPNG() throws -> [UInt8]? {
    let evaluated = try metrics().filter { $0.eval != nil }
    guard !evaluated.isEmpty else { return nil }
    return try PNGEncoder.encode(try TrainingCurves.evaluation(evaluated))
  }

  /// The newest preview grid's bytes and step.
  public func newestSample() -> (step: Int, url: URL)? {
    let samples = directory.appendingPathComponent("samples", isDirectory: true)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? []
    let steps = names.compactMap { name -> Int? in
      guard name.hasPrefix("step-"), name.hasSuffix(".png") else { return nil }
      return Int(name.dropFirst(5).dropLast(4))
    }
    guard let step = steps.max() else { return nil }
    return (step, samples.appendingPathComponent("step-\(step).png"))
  }

  var metricsURL: URL { directory.appendingPathComponent("metrics.jsonl") }
}
