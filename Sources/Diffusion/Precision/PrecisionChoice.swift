import Foundation
import Tensors

/// Which precision a command computes in: the one asked for (`--precision f32|bf16`, or
/// `GLYFFUSER_PRECISION`), else (`auto`) the faster one on this machine for the work at hand,
/// as `PrecisionCalibration` measured it — once per machine, then read from a cache file.
///
/// The cache (`~/.cache/glyffuser/precision.json`, or `$GLYFFUSER_CACHE/precision.json`) maps a
/// key — CPU model, the instruction-set flags speed depends on, thread count and engine build —
/// to a calibration, so a changed machine, thread count or binary is measured afresh, and one
/// home folder shared by several machines keeps each one's answer.
public enum PrecisionChoice {
  public enum Request: String, Sendable, CaseIterable {
    case auto, f32, bf16
  }

  public enum Workload: String, Sendable {
    case training, inference
  }

  public struct Resolved: Sendable, Equatable {
    public var precision: Precision
    /// One line for the user: what was chosen and why.
    public var reason: String
  }

  /// The machine a calibration holds for (`key`).
  public struct Machine: Sendable, Equatable {
    public var cpu: String
    public var flags: [String]
    public var threads: Int
    /// The binary's identity: a rebuilt engine may have other kernels, so it is measured again.
    public var engine: String
    public var bf16Native: Bool

    public var key: String {
      "\(cpu)|\(flags.joined(separator: ","))|threads=\(threads)|engine=\(engine)"
    }

    public static var current: Machine {
      Machine(
        cpu: CPUFeatures.modelName, flags: CPUFeatures.speedFlags, threads: Parallel.threadCount,
        engine: engineIdentity, bf16Native: CPUFeatures.bf16IsFast)
    }

    /// Size and modification time of the running executable (the engine is linked into it).
    static let engineIdentity: String = {
      let exe = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
      let attributes = try? FileManager.default.attributesOfItem(atPath: exe.path)
      let size = (attributes?[.size] as? Int) ?? 0
      let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
      return "\(exe.lastPathComponent):\(size):\(Int(date))"
    }()
  }

  public static var defaultCacheURL: URL {
    let env = ProcessInfo.processInfo.environment
    let dir =
      env["GLYFFUSER_CACHE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
      ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(
        ".cache/glyffuser", isDirectory: true)
    return dir.appendingPathComponent("precision.json")
  }

  /// Entries kept in the cache file (the newest; a machine rebuilt many times does not grow it).
  static let cacheLimit = 16

  /// The precision for `workload`. `request` nil reads `GLYFFUSER_PRECISION` from
  /// `environment` (f32, bf16 or auto; anything else is an error naming the variable), then
  /// auto. `measure` is the calibration (tests pass a fake one); `busyFraction` how busy the
  /// CPUs are before measuring (on a busy machine nothing is measured or cached).
  public static func resolve(
    _ request: Request?, workload: Workload, machine: Machine = .current,
    cache: URL = defaultCacheURL,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    measure: () throws -> PrecisionCalibration = { try PrecisionCalibration.measure() },
    busyFraction: () -> Double? = { CPULoad.busyFraction() }
  ) throws -> Resolved {
    var request = request
    var source = "--precision"
    if request == nil, let raw = environment["GLYFFUSER_PRECISION"], !raw.isEmpty {
      guard let r = Request(rawValue: raw.lowercased()) else {
        throw PrecisionChoiceError.badEnvironment(raw)
      }
      request = r
      source = "GLYFFUSER_PRECISION"
    }
    switch request ?? .auto {
    case .f32: return Resolved(precision: .f32, reason: "f32 (\(source))")
    case .bf16: return Resolved(precision: .bf16, reason: "bf16 (\(source))")
    case .auto: break
    }
    guard machine.bf16Native else {
      return Resolved(
        precision: .f32, reason: "f32 (auto: this CPU has no native bf16, avx512_bf16 or AMX)")
    }
    var entries = readCache(cache)
    let calibration: PrecisionCalibration
    let when: String
    if let cached = entries[machine.key] {
      calibration = cached
      when = "measured on this machine \(cached.measured), cached in \(cache.path)"
    } else if let busy = busyFraction(), busy > CPULoad.busyThreshold {
      // Other work shares the cores, so a measurement now would time that work (CPULoad): this
      // run takes the native format the CPU was built for, and a quiet run measures and caches.
      return Resolved(
        precision: .bf16,
        reason: String(
          format:
            "bf16 (auto: this CPU's native bf16; not measured, %.0f %% of the CPUs are busy with other work)",
          busy * 100))
    } else {
      calibration = try measure()
      entries[machine.key] = calibration
      writeCache(entries, to: cache)
      when = "measured now, cached in \(cache.path)"
    }
    let chosen = workload == .training ? calibration.training : calibration.inference
    let other: Precision = chosen == .f32 ? .bf16 : .f32
    let speedup = calibration.speedup(workload)
    let comparison =
      speedup >= 1
      ? String(format: "%.2f", speedup) + "× faster than \(other.rawValue)"
      : String(format: "within %.0f %%", (1 - speedup) * 100) + " of \(other.rawValue)"
    return Resolved(
      precision: chosen,
      reason: "\(chosen.rawValue) (auto: \(comparison) for \(workload.rawValue); \(when))")
  }

  /// The cache's entries; an unreadable or malformed file reads as empty (it is only a cache:
  /// the next calibration rewrites it).
  static func readCache(_ url: URL) -> [String: PrecisionCalibration] {
    guard let data = FileManager.default.contents(atPath: url.path), data.count < 1 << 20,
      let entries = try? JSONDecoder().decode([String: PrecisionCalibration].self, from: data)
    else { return [:] }
    return entries
  }

  /// Writes the newest `cacheLimit` entries atomically; a cache that cannot be written (a
  /// read-only home) only means measuring again next time.
  static func writeCache(_ entries: [String: PrecisionCalibration], to url: URL) {
    let kept = entries.sorted { $0.value.measured > $1.value.measured }.prefix(cacheLimit)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(Dictionary(uniqueKeysWithValues: Array(kept))) else {
      return
    }
    try? FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try? AtomicFile.write(data, to: url)
  }
}

public enum PrecisionChoiceError: Error, CustomStringConvertible, Equatable {
  case badEnvironment(String)
  public var description: String {
    switch self {
    case .badEnvironment(let raw):
      "GLYFFUSER_PRECISION is \"\(raw)\": use f32, bf16 or auto"
    }
  }
}
