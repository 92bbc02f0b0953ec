import Foundation

/// How busy the machine's CPUs are right now, from two reads of the kernel's counters.
///
/// `PrecisionChoice` caches a calibration for good, so it must not cache one taken while other
/// work shares the cores: beside a compile, bf16 training timed 9× slower than f32 on the 2-core
/// Xeon (2.4 s against 0.27 s per calibration step), where quiet it is the faster (0.089 against
/// 0.113 s) — presumably its many short parallel regions waiting at every barrier for an OpenMP
/// thread the other work has descheduled.
public enum CPULoad {
  /// Above this busy fraction of all CPUs, a calibration is used for the run but not cached.
  public static let busyThreshold = 0.25

  /// The fraction of all CPU time spent busy (not idle or waiting for I/O) over `interval`
  /// seconds, from the aggregate line of /proc/stat; nil where that file cannot be read.
  public static func busyFraction(over interval: Double = 0.2) -> Double? {
    guard let a = readTimes() else { return nil }
    Thread.sleep(forTimeInterval: interval)
    guard let b = readTimes() else { return nil }
    let total = Double(b.total - a.total)
    guard total > 0 else { return nil }
    return min(1, max(0, 1 - Double(b.idle - a.idle) / total))
  }

  /// (all jiffies, idle + iowait jiffies) of the "cpu " line:
  /// user nice system idle iowait irq softirq steal ….
  static func readTimes() -> (total: UInt64, idle: UInt64)? {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
    else { return nil }
    let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
    guard fields.count >= 5 else { return nil }
    // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
    let total = fields.prefix(8).reduce(0, +)
    return (total, fields[3] + fields[4])
  }
}
