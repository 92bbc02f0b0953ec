import Foundation
import Imaging

/// The server's generations as jobs. Every admitted request gets an id and runs on the studio in
/// arrival order; its state, progress and time left can be read at any moment, its previews are
/// told to any number of listeners (a late listener first hears the latest step), and it can be
/// cancelled, queued or running (it stops at its next step). The newest `keep` finished jobs stay
/// readable. `close()` (graceful shutdown) refuses new jobs and cancels the others.
public final class JobBoard: @unchecked Sendable {
  public enum State: String, Codable, Sendable {
    case queued, running, done, failed, cancelled
    var isFinished: Bool { self == .done || self == .failed || self == .cancelled }
  }

  /// What `GET /api/jobs/{id}` answers.
  public struct Status: Codable, Sendable, Equatable {
    public var id: String
    public var state: State
    /// Sampler steps finished, of `steps`.
    public var step: Int
    public var steps: Int
    /// Estimated seconds until done, from the mean step time so far (nil until one step ended).
    public var etaSeconds: Double?
    /// Seconds since the job started running (its total once finished).
    public var seconds: Double?
    /// The gallery entry of a finished job (`/gallery/<id>.png`).
    public var galleryId: String?
    public var error: String?
    public var request: GenerationRequest

    enum CodingKeys: String, CodingKey {
      case id, state, step, steps, error, request
      case etaSeconds = "eta_seconds"
      case seconds
      case galleryId = "gallery_id"
    }
  }

  /// What a listener hears: the previews of every step, then exactly one ending.
  public enum Event: Sendable {
    case step(GlyphStudio.Step)
    case finished(Status, GlyphStudio.Result?)
  }

  /// New jobs are refused: the server is shutting down (HTTP 503).
  public struct Closed: Error, CustomStringConvertible {
    public var description: String { "the server is shutting down" }
  }

  final class Job: @unchecked Sendable {
    var status: Status
    var started: Date?
    var lastStep: GlyphStudio.Step?
    var result: GlyphStudio.Result?
    var listeners: [UUID: AsyncStream<Event>.Continuation] = [:]
    let cancelled = Flag()
    init(_ status: Status) { self.status = status }
  }

  public let studio: GlyphStudio
  public let gallery: Gallery
  public let keep: Int
  private let lock = NSLock()
  private var jobs: [String: Job] = [:]
  private var finishedOrder: [String] = []
  private var closed = false
  private var counter = 0

  public init(studio: GlyphStudio, gallery: Gallery, keep: Int = 64) {
    self.studio = studio
    self.gallery = gallery
    self.keep = max(1, keep)
  }

  /// Admits `request` (`GlyphStudio.Busy` when the queue is full, `Closed` after `close()`) and
  /// starts it in the background; returns its id.
  public func submit(_ request: GenerationRequest) throws -> String {
    // Shutting down wins over a full queue: the client should not retry here.
    guard !lock.withLock({ closed }) else { throw Closed() }
    let ticket = try studio.admit()
    let job: Job = try lock.withLock {
      guard !closed else { throw Closed() }
      counter += 1
      let id = "\(Int(Date().timeIntervalSince1970))-\(counter)"
      let job = Job(Status(id: id, state: .queued, step: 0, steps: request.steps, request: request))
      jobs[id] = job
      return job
    }
    Task { await run(job, ticket: ticket) }
    return job.status.id
  }

  public func status(_ id: String) -> Status? {
    lock.withLock { jobs[id].map { status(of: $0) } }
  }

  /// The glyphs of a finished job.
  public func result(_ id: String) -> GlyphStudio.Result? {
    lock.withLock { jobs[id]?.result }
  }

  /// Asks a queued or running job to stop; false when there is no such job or it already ended.
  @discardableResult
  public func cancel(_ id: String) -> Bool {
    lock.withLock {
      guard let job = jobs[id], !job.status.state.isFinished else { return false }
      job.cancelled.set()
      return true
    }
  }

  /// The events of job `id` from now on (nil when there is no such job): the latest step first
  /// when it is running, or only its ending when it has ended.
  public func events(_ id: String) -> AsyncStream<Event>? {
    let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(8))
    let listener = UUID()
    let known: Bool = lock.withLock {
      guard let job = jobs[id] else { return false }
      if job.status.state.isFinished {
        continuation.yield(.finished(status(of: job), job.result))
        continuation.finish()
      } else {
        if let step = job.lastStep { continuation.yield(.step(step)) }
        job.listeners[listener] = continuation
      }
      return true
    }
    guard known else { return nil }
    continuation.onTermination = { [weak self] _ in
      self?.lock.withLock { _ = self?.jobs[id]?.listeners.removeValue(forKey: listener) }
    }
    return stream
  }

  /// Refuses new jobs and cancels every queued and running one (graceful shutdown).
  public func close() {
    lock.withLock {
      closed = true
      for job in jobs.values where !job.status.state.isFinished { job.cancelled.set() }
    }
  }

  private func status(of job: Job) -> Status {
    var s = job.status
    if let started = job.started {
      let elapsed = Date().timeIntervalSince(started)
      if !s.state.isFinished { s.seconds = elapsed }
      if s.state == .running, s.step > 0 {
        s.etaSeconds = elapsed / Double(s.step) * Double(s.steps - s.step)
      }
    }
    return s
  }

  private func run(_ job: Job, ticket: GlyphStudio.Ticket) async {
    let request = job.status.request
    do {
      let result = try await studio.generate(
        request, ticket: ticket,
        onStart: { [self] in
          lock.withLock {
            job.status.state = .running
            job.started = Date()
          }
        },
        onStep: { [self] step in
          let listeners = lock.withLock {
            job.status.step = step.index + 1
            job.lastStep = step
            return Array(job.listeners.values)
          }
          for listener in listeners { listener.yield(.step(step)) }
        },
        isCancelled: { job.cancelled.isSet })
      let entry = try gallery.add(result.grid, request: request, seconds: result.seconds)
      finish(job, .done, result: result) { $0.galleryId = entry.id }
    } catch is CancellationError {
      finish(job, .cancelled, result: nil) { _ in }
    } catch {
      finish(job, .failed, result: nil) { $0.error = "\(error)" }
    }
  }

  private func finish(
    _ job: Job, _ state: State, result: GlyphStudio.Result?, _ update: (inout Status) -> Void
  ) {
    let (status, listeners) = lock.withLock {
      job.status.state = state
      job.status.etaSeconds = nil
      job.status.seconds = job.started.map { Date().timeIntervalSince($0) }
      update(&job.status)
      job.result = result
      job.lastStep = nil
      let listeners = Array(job.listeners.values)
      job.listeners = [:]
      finishedOrder.append(job.status.id)
      while finishedOrder.count > keep { jobs.removeValue(forKey: finishedOrder.removeFirst()) }
      return (job.status, listeners)
    }
    for listener in listeners {
      listener.yield(.finished(status, result))
      listener.finish()
    }
  }
}
