import Foundation
import Tensors
import Testing

@testable import Diffusion

/// `PrecisionChoice`: forced precisions are honoured without measuring; `auto` measures once per
/// machine key and reuses the cached answer; a changed key or a broken cache measures again.
struct PrecisionChoiceTests {
  static let machine = PrecisionChoice.Machine(
    cpu: "Test CPU", flags: ["avx2", "avx512_bf16"], threads: 2, engine: "glyffuser:1:1",
    bf16Native: true)

  /// A fake calibration: bf16 1.5× faster for training, fp32 faster for inference.
  static let calibration = PrecisionCalibration(
    trainingSeconds: ["f32": 0.3, "bf16": 0.2], inferenceSeconds: ["f32": 0.1, "bf16": 0.12],
    training: .bf16, inference: .f32, measured: "2026-12-06T12:00:00Z")

  final class Counter { var calls = 0 }

  static func cacheURL() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-precision-\(UUID().uuidString)/precision.json")
  }

  func resolve(
    _ request: PrecisionChoice.Request?, _ workload: PrecisionChoice.Workload,
    machine: PrecisionChoice.Machine = machine, cache: URL, env: [String: String] = [:],
    counter: Counter, busy: Double? = 0
  ) throws -> PrecisionChoice.Resolved {
    try PrecisionChoice.resolve(
      request, workload: workload, machine: machine, cache: cache, environment: env,
      measure: {
        counter.calls += 1
        return Self.calibration
      }, busyFraction: { busy })
  }

  /// While other work shares the CPUs nothing is measured or cached: the run takes the CPU's
  /// native bf16 and says why; the next quiet resolve measures and caches; /proc/stat unreadable
  /// counts as quiet; a cached answer is used whatever the load.
  @Test func aBusyMachineIsNotMeasured() throws {
    let cache = Self.cacheURL()
    defer { try? FileManager.default.removeItem(at: cache.deletingLastPathComponent()) }
    let counter = Counter()
    let busy = try resolve(nil, .inference, cache: cache, counter: counter, busy: 0.9)
    #expect(busy.precision == .bf16)
    #expect(busy.reason.contains("90 % of the CPUs are busy"), "\(busy.reason)")
    #expect(counter.calls == 0)
    #expect(!FileManager.default.fileExists(atPath: cache.path))
    #expect(
      try resolve(nil, .inference, cache: cache, counter: counter, busy: nil).precision == .f32)
    #expect(counter.calls == 1)
    #expect(FileManager.default.fileExists(atPath: cache.path))
    #expect(
      try resolve(nil, .inference, cache: cache, counter: counter, busy: 0.9).precision == .f32)
    #expect(counter.calls == 1)
  }

  /// The real counters: a fraction in [0, 1] on Linux.
  @Test func theBusyFractionIsAFraction() throws {
    #if os(Linux)
      let f = try #require(CPULoad.busyFraction(over: 0.05))
      #expect((0...1).contains(f))
    #endif
  }

  @Test func forcedPrecisionsAreHonouredWithoutMeasuring() throws {
    let cache = Self.cacheURL()
    let counter = Counter()
    #expect(try resolve(.f32, .training, cache: cache, counter: counter).precision == .f32)
    #expect(try resolve(.bf16, .inference, cache: cache, counter: counter).precision == .bf16)
    // The environment variable when no flag is given; the flag wins over it.
    let env = ["GLYFFUSER_PRECISION": "BF16"]
    #expect(
      try resolve(nil, .training, cache: cache, env: env, counter: counter).precision == .bf16)
    #expect(
      try resolve(.f32, .training, cache: cache, env: env, counter: counter).precision == .f32)
    #expect(counter.calls == 0)
    #expect(!FileManager.default.fileExists(atPath: cache.path))
    #expect(throws: PrecisionChoiceError.badEnvironment("fp8")) {
      try resolve(
        nil, .training, cache: cache, env: ["GLYFFUSER_PRECISION": "fp8"], counter: counter)
    }
  }

  @Test func autoMeasuresOncePerMachineAndChoosesPerWorkload() throws {
    let cache = Self.cacheURL()
    defer { try? FileManager.default.removeItem(at: cache.deletingLastPathComponent()) }
    let counter = Counter()
    let training = try resolve(.auto, .training, cache: cache, counter: counter)
    #expect(training.precision == .bf16)
    #expect(training.reason.contains("1.50× faster than f32"))
    #expect(counter.calls == 1)
    let inference = try resolve(nil, .inference, cache: cache, counter: counter)
    #expect(inference.precision == .f32)
    #expect(inference.reason.contains("cached"))
    #expect(counter.calls == 1)  // read from the cache file

    // Another thread count, CPU or engine build is another machine: measured again, and both
    // answers stay in the file.
    var other = Self.machine
    other.threads = 4
    _ = try resolve(.auto, .training, machine: other, cache: cache, counter: counter)
    #expect(counter.calls == 2)
    other.engine = "glyffuser:2:2"
    _ = try resolve(.auto, .training, machine: other, cache: cache, counter: counter)
    #expect(counter.calls == 3)
    #expect(PrecisionChoice.readCache(cache).count == 3)
    _ = try resolve(.auto, .training, cache: cache, counter: counter)
    #expect(counter.calls == 3)
  }

  @Test func aBrokenCacheIsMeasuredAgainAndRewritten() throws {
    let cache = Self.cacheURL()
    defer { try? FileManager.default.removeItem(at: cache.deletingLastPathComponent()) }
    try FileManager.default.createDirectory(
      at: cache.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data("{\"not\": \"a calibration\"".utf8).write(to: cache)
    let counter = Counter()
    #expect(try resolve(.auto, .training, cache: cache, counter: counter).precision == .bf16)
    #expect(counter.calls == 1)
    #expect(PrecisionChoice.readCache(cache)[Self.machine.key] == Self.calibration)
  }

  @Test func withoutNativeBF16AutoIsF32WithoutMeasuring() throws {
    var machine = Self.machine
    machine.bf16Native = false
    let counter = Counter()
    let r = try resolve(
      .auto, .training, machine: machine, cache: Self.cacheURL(), counter: counter)
    #expect(r.precision == .f32)
    #expect(counter.calls == 0)
  }

  @Test func bf16MustBeClearlyFasterToBeChosen() {
    #expect(PrecisionCalibration.decide(f32: 1.0, bf16: 0.94) == .bf16)
    #expect(PrecisionCalibration.decide(f32: 1.0, bf16: 0.97) == .f32)
    #expect(PrecisionCalibration.decide(f32: 1.0, bf16: 1.3) == .f32)
  }

  /// The real measurement on the `test` preset: both precisions timed, the choice follows the
  /// decision rule, and the process precision it ran under is left as it was.
  @Test func theCalibrationTimesBothPrecisions() throws {
    let before = ComputePrecision.current
    let c = try PrecisionCalibration.measure(
      config: .test(), trainingBatch: 2, inferenceBatch: 2, repeats: 1)
    #expect(ComputePrecision.current == before)
    for t in [c.trainingSeconds, c.inferenceSeconds] {
      #expect(Set(t.keys) == ["f32", "bf16"])
      #expect(t.values.allSatisfy { $0 > 0 && $0.isFinite })
    }
    #expect(
      c.training
        == PrecisionCalibration.decide(
          f32: c.trainingSeconds["f32"]!, bf16: c.trainingSeconds["bf16"]!))
    #expect(
      c.inference
        == PrecisionCalibration.decide(
          f32: c.inferenceSeconds["f32"]!, bf16: c.inferenceSeconds["bf16"]!))
  }
}
