import Foundation
import Tensors

/// Reading a run's `metrics.jsonl` back (for `glyffuser plot` and anyone analysing a run): one
/// `StepMetrics` per line, as `TrainingRun` wrote them.
public enum TrainingMetrics {
  public static func read(run directory: URL) throws -> [StepMetrics] {
    let url = directory.appendingPathComponent("metrics.jsonl")
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw TrainingError.cannotRead(
        path: url.path, reason: "no such file (is \(directory.path) a training run folder?)")
    }
    return try decode(data, path: url.path)
  }

  /// The lines of a `metrics.jsonl`; errors name `path` and the line.
  public static func decode(_ data: Data, path: String) throws -> [StepMetrics] {
    var out: [StepMetrics] = []
    let decoder = JSONDecoder()
    for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .enumerated() where !line.isEmpty
    {
      do {
        out.append(try decoder.decode(StepMetrics.self, from: Data(line)))
      } catch {
        throw TrainingError.cannotRead(
          path: "\(path):\(n + 1)", reason: DecodingErrorText.describe(error))
      }
    }
    return out
  }
}
