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

  /// The lines of a `metrics.jsonl`; errors name `path` and the line. A last line without its
  /// newline that does not decode is one a running `TrainingRun` is still writing: skipped.
  public static func decode(_ data: Data, path: String) throws -> [StepMetrics] {
    var out: [StepMetrics] = []
    let decoder = JSONDecoder()
    let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (n, line) in lines.enumerated() where !line.isEmpty {
      do {
        out.append(try decoder.decode(StepMetrics.self, from: Data(line)))
      } catch  where n == lines.count - 1 {
        break  // unterminated: being written
      } catch {
        throw TrainingError.cannotRead(
          path: "\(path):\(n + 1)", reason: DecodingErrorText.describe(error))
      }
    }
    return out
  }
}
