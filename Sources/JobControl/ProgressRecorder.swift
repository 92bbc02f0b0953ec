import Foundation

/// Keeps every report a job makes, safely from any thread: for tests, and for a caller that
/// polls a job's state instead of printing it.
public final class ProgressRecorder: @unchecked Sendable {
  private let lock = NSLock()
  private var kept: [JobProgress] = []

  public init() {}

  /// Pass this as the job's `progress`.
  public var handler: ProgressHandler { { [self] p in lock.withLock { kept.append(p) } } }

  /// The reports so far, oldest first.
  public var reports: [JobProgress] { lock.withLock { kept } }
}
