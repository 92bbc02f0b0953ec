/// Where a long job stands: `done` of `total` units of its current `stage`, a line that says more
/// (the loss and rate of training, the prompt being drawn) and the numbers behind that line. Every
/// long job of the libraries — data-set build, caption encoding, training, judge training,
/// evaluation, prompt grids — reports in this one shape through a `ProgressHandler`, so a front
/// end (the CLI's progress bar, a web page's stream) shows them all the same way.
public struct JobProgress: Sendable, Equatable {
  /// What the job is doing now, in a word or two ("render", "encode", "train", "generated").
  public var stage: String
  public var done: Int
  /// 0 when the job cannot know its length.
  public var total: Int
  /// A human-readable line for this report ("" when the counts say it all).
  public var detail: String
  /// The figures behind `detail`, by name (training's "loss", "lr", …), for callers that plot or
  /// test them rather than print them.
  public var values: [String: Double]

  public init(
    stage: String, done: Int, total: Int, detail: String = "", values: [String: Double] = [:]
  ) {
    self.stage = stage
    self.done = done
    self.total = total
    self.detail = detail
    self.values = values
  }

  /// done / total in [0, 1] (0 when the total is unknown).
  public var fraction: Double { total > 0 ? min(max(Double(done) / Double(total), 0), 1) : 0 }
}

/// Receives a job's reports. Called from the job's thread or, for parallel jobs (the data-set
/// render workers), from any thread, hence `@Sendable`.
public typealias ProgressHandler = @Sendable (JobProgress) -> Void

/// Polled by a long job between units of work; `true` asks it to stop cleanly (write its
/// checkpoint, remove its temporary files) and return or throw its cancellation error. The CLI
/// answers it from SIGINT/SIGTERM, a server from a request's cancellation.
public typealias StopRequest = @Sendable () -> Bool
