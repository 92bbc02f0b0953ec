import Foundation
import JobControl
import Tensors

/// Drives a `Trainer` in a run directory: stopping rule, `metrics.jsonl`, validation, preview
/// grids (`samples/step-N.png`), checkpoints and a progress line.
///
/// `metrics.jsonl` gets one JSON object per step (`StepMetrics`); on resume, lines after the
/// checkpoint's step (work lost with the process) are dropped first, so the file reads as one
/// uninterrupted run.
public final class TrainingRun {
  public let trainer: Trainer
  public let directory: URL
  /// Encodes preview prompts; no grids without it.
  public var promptEncoder: (any PromptEncoder)?
  /// Writes a preview grid (e.g. as PNG); no grids without it.
  public var writeImage: ((GreyscaleImage, URL) throws -> Void)?
  /// Hears of the run every `progressInterval` seconds and at the end (stage "train", done =
  /// step, total = planned steps or 0; `detail` is a one-line summary; default: that line on
  /// stderr, redrawn in place).
  public var progress: ProgressHandler = { p in
    FileHandle.standardError.write(Data("\r\(p.detail)\u{1B}[K".utf8))
  }
  /// Polled between steps; true stops the run after writing a checkpoint (SIGINT).
  public var shouldStop: StopRequest = { false }
  /// Scores the model every `evaluateEvery` steps with its EMA weights swapped in (`train
  /// --eval-every`); the numbers go into that step's `metrics.jsonl` line under "eval".
  public var evaluateEvery = 0
  public var evaluate: (() throws -> [String: Double])?
  /// When set, `run()` ends by writing the EMA weights as a model folder, `RUN/model`, that
  /// `generate` and `eval` load (the record's step count is filled in).
  public var modelRecord: ModelFolder.Record?
  /// The same for a super-resolution run: `RUN/model` becomes a `SuperResolutionStage` folder.
  public var superResolutionRecord: SuperResolutionStage.Record?
  /// Why the run trains in `config.precision` (e.g. the calibration's measurement), written with
  /// the precision on the first `metrics.jsonl` line of this process.
  public var precisionReason: String?
  /// Seconds spent in training steps so far, this run and the ones it resumes (from the
  /// steps' img/s in `metrics.jsonl`).
  public private(set) var trainingSeconds = 0.0

  public var modelDirectory: URL { directory.appendingPathComponent("model", isDirectory: true) }

  public var metricsURL: URL { directory.appendingPathComponent("metrics.jsonl") }

  public init(trainer: Trainer, directory: URL) throws {
    self.trainer = trainer
    self.directory = directory
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try truncateMetrics(after: trainer.state.step)
    trainingSeconds = previousTrainingSeconds()
  }

  /// Trains until the stopping rule holds; returns the metrics of every step made.
  /// On a non-finite loss or gradient throws `.nonFinite` naming the last checkpoint (which is
  /// left as it was).
  @discardableResult
  public func run() throws -> [StepMetrics] {
    let config = trainer.config
    let start = Date()
    let total = config.totalSteps(batchesPerEpoch: trainer.batchesPerEpoch)
    // `--minutes` budgets training: the time `evaluate` takes is added back to the deadline, so
    // a run that is scored along the way trains as long as one that is not.
    var deadline: Date? =
      if case .minutes(let m) = config.duration { start.addingTimeInterval(m * 60) } else { nil }
    let startStep = trainer.state.step
    var history: [StepMetrics] = []
    var lastProgress = Date.distantPast
    var evaluationSeconds = 0.0
    let handle = try metricsHandle()
    defer { try? handle.close() }
    func done() -> Bool {
      if let total, trainer.state.step >= total { return true }
      if let deadline, Date() >= deadline { return true }
      return false
    }
    while !done() {
      var m: StepMetrics
      do {
        m = try trainer.step()
      } catch TrainingError.nonFinite(let step, let tensor, _) {
        throw TrainingError.nonFinite(
          step: step, tensor: tensor,
          lastCheckpoint: TrainingCheckpoint.latest(run: directory)?.path)
      }
      let step = m.step
      if step == startStep + 1 {
        m.precision = config.precision
        m.precisionReason = precisionReason
      }
      trainingSeconds += Double(config.batchSize) / max(m.imgPerS, 1e-9)
      if config.validationEvery > 0, step % config.validationEvery == 0 {
        m.valLoss = trainer.validationLoss()
        m.valLossEMA = trainer.withEMAWeights { trainer.validationLoss() }
      }
      if evaluateEvery > 0, step % evaluateEvery == 0, let evaluate {
        let began = Date()
        defer {
          let spent = Date().timeIntervalSince(began)
          deadline = deadline?.addingTimeInterval(spent)
          evaluationSeconds += spent
        }
        var numbers = try trainer.withEMAWeights { try evaluate() }
        numbers["train_minutes"] = trainingSeconds / 60
        m.eval = numbers
      }
      if config.plansScheduleFromRate, let deadline {
        planSchedule(
          step: step, madeSteps: step - startStep,
          elapsed: Date().timeIntervalSince(start) - evaluationSeconds,
          remaining: deadline.timeIntervalSinceNow)
      }
      try append(m, to: handle)
      history.append(m)
      if config.sampleEvery > 0, step % config.sampleEvery == 0 { try writeGrid() }
      let finished = done() || shouldStop()
      if step % config.checkpointEvery == 0 || finished {
        try TrainingCheckpoint.save(trainer, run: directory)
      }
      let now = Date()
      if finished || now.timeIntervalSince(lastProgress) >= config.progressInterval {
        lastProgress = now
        progress(
          JobProgress(
            stage: "train", done: step, total: total ?? 0,
            detail: progressLine(
              m, elapsed: now.timeIntervalSince(start), madeSteps: step - startStep,
              total: total, deadline: deadline),
            values: ["loss": Double(m.loss), "lr": Double(m.lr), "epoch": Double(m.epoch)]))
      }
      if shouldStop() { break }
    }
    if let modelRecord { try exportModel(record: modelRecord) }
    if let superResolutionRecord { try exportStage(record: superResolutionRecord) }
    return history
  }

  /// A `--minutes` run without `--schedule-steps`: every `replanInterval` steps after the
  /// warm-up, the cosine's end is set to the step the run will reach at the deadline at the rate
  /// measured so far in this process (steps, validation, checkpoints; not evaluations, whose time
  /// is added back to the deadline). Planned this way the learning rate reaches 0 at the deadline
  /// on any CPU, however fast, instead of being planned from one machine's steps per minute. The
  /// plan is part of the trainer state, so a checkpoint resumes on it.
  func planSchedule(step: Int, madeSteps: Int, elapsed: TimeInterval, remaining: TimeInterval) {
    let warmup = trainer.config.warmupSteps
    guard step >= warmup, madeSteps >= Self.replanInterval, step % Self.replanInterval == 0,
      elapsed > 0
    else { return }
    let rate = Double(madeSteps) / elapsed
    let ahead = Int((max(0, remaining) * rate).rounded())
    trainer.state.lrSchedule = .cosine(warmup: warmup, total: max(step + ahead, warmup + 1))
  }

  /// Steps between two plans of the cosine (`planSchedule`).
  static let replanInterval = 25

  /// Writes the EMA weights, the scheduler the model was trained on and `record` (with the
  /// current step) to `RUN/model`.
  public func exportModel(record: ModelFolder.Record) throws {
    let scheduler = try trainer.config.schedulerConfig()
    var record = record
    record.trainingSteps = trainer.state.step
    try ModelFolder.save(
      trainer.model, record: record, scheduler: scheduler, weights: trainer.ema.shadow,
      to: modelDirectory)
  }

  /// Writes the EMA weights as a super-resolution stage folder, `RUN/model`.
  public func exportStage(record: SuperResolutionStage.Record) throws {
    var record = record
    record.trainingSteps = trainer.state.step
    try SuperResolutionStage.save(
      trainer.model, record: record, scheduler: try trainer.config.schedulerConfig(),
      weights: trainer.ema.shadow, to: modelDirectory)
  }

  /// Training seconds recorded in `metrics.jsonl` (after truncation to the resumed step).
  func previousTrainingSeconds() -> Double {
    guard let data = FileManager.default.contents(atPath: metricsURL.path) else { return 0 }
    var seconds = 0.0
    for line in data.split(separator: UInt8(ascii: "\n")) {
      guard let m = try? JSONDecoder().decode(StepMetrics.self, from: Data(line)) else { continue }
      seconds += Double(trainer.config.batchSize) / max(m.imgPerS, 1e-9)
    }
    return seconds
  }

  /// Writes `samples/step-N.png` (or whatever `writeImage` writes): prompts' glyphs when
  /// `promptEncoder` is set, held-out glyphs upsampled in a super-resolution run.
  public func writeGrid() throws {
    guard let writeImage else { return }
    let grid: GreyscaleImage
    if let pairs = trainer.examples as? SuperResolutionPairs {
      grid = try trainer.superResolutionGrid(pairs)
    } else if let promptEncoder {
      grid = try trainer.sampleGrid(encoder: promptEncoder)
    } else {
      return
    }
    let dir = directory.appendingPathComponent("samples", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try writeImage(grid, dir.appendingPathComponent("step-\(trainer.state.step).png"))
  }

  func progressLine(
    _ m: StepMetrics, elapsed: Double, madeSteps: Int, total: Int?, deadline: Date?
  ) -> String {
    let perStep = elapsed / Double(max(madeSteps, 1))
    var eta: Double? = nil
    if let total { eta = Double(total - m.step) * perStep }
    if let deadline { eta = max(0, deadline.timeIntervalSinceNow) }
    let imgs = Double(madeSteps * trainer.config.batchSize) / max(elapsed, 1e-9)
    var line = String(
      format: "epoch %d step %d%@ | %.1f img/s | loss %.4f | lr %.2e", m.epoch, m.step,
      total.map { "/\($0)" } ?? "", imgs, m.loss, m.lr)
    if let v = m.valLoss { line += String(format: " | val %.4f", v) }
    if let v = m.valLossEMA { line += String(format: " (EMA %.4f)", v) }
    if let eta { line += " | ETA " + Self.clock(eta) }
    return line
  }

  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
  }

  // MARK: metrics.jsonl

  func metricsHandle() throws -> FileHandle {
    if !FileManager.default.fileExists(atPath: metricsURL.path),
      !FileManager.default.createFile(atPath: metricsURL.path, contents: nil)
    {
      throw TrainingError.cannotCreate(path: metricsURL.path)
    }
    let h = try FileHandle(forWritingTo: metricsURL)
    try h.seekToEnd()
    return h
  }

  func append(_ m: StepMetrics, to handle: FileHandle) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var line = try encoder.encode(m)
    line.append(UInt8(ascii: "\n"))
    try handle.write(contentsOf: line)
  }

  /// Keeps only the lines of steps ≤ `step` (atomically rewritten when anything goes).
  func truncateMetrics(after step: Int) throws {
    guard let data = FileManager.default.contents(atPath: metricsURL.path) else { return }
    let lines = data.split(separator: UInt8(ascii: "\n"))
    let kept = lines.filter { line in
      guard let m = try? JSONDecoder().decode(StepMetrics.self, from: Data(line)) else {
        return false
      }
      return m.step <= step
    }
    guard kept.count != lines.count || data.last != UInt8(ascii: "\n") && !data.isEmpty else {
      return
    }
    var out = Data()
    for line in kept {
      out.append(contentsOf: line)
      out.append(UInt8(ascii: "\n"))
    }
    try AtomicFile.write(out, to: metricsURL)
  }
}
