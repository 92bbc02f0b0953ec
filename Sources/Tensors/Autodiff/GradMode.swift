/// Whether ops record what their backward needs. Off inside `withNoGrad` (inference, optimiser
/// updates, and while backward itself runs).
public enum GradMode {
  @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients: inference allocates no graph.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$isEnabled.withValue(false) { try body() }
}
