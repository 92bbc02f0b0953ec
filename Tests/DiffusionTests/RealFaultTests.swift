import Foundation
import GlyphData
import Testing
import TextEncoding

@testable import Diffusion

/// Real faults against the real executable (`glyffuser`, built next to the test bundle): a
/// `kill -9` in the middle of `dataset build` and `encode`, a read-only output folder and a full
/// filesystem. After each, the previous output is intact or the new one complete — never a
/// half-written file that loads — and a refused write ends with exit status 1 and a message that
/// names the path, not a signal. The filesystem faults mount a small tmpfs and so need root
/// (skipped with a message otherwise); the data-set faults need Unihan and Noto Sans CJK
/// (`scripts/setup`).
@Suite(.serialized) struct RealFaultTests {
  static var executable: URL? { TrainingKillResumeTests.executable }
  static var hasSources: Bool {
    FileManager.default.fileExists(atPath: UnihanSource.defaultPath)
      && FileManager.default.fileExists(atPath: FontFace.defaultPath)
  }
  static var canBuild: Bool { executable != nil && hasSources }
  static var canMount: Bool { canBuild && getuid() == 0 }
  static var hasMiniLM: Bool { EncoderCatalog.defaultIsInstalled }

  struct Outcome {
    var status: Int32
    var signalled: Bool
    var stderr: String
  }

  static func start(_ args: [String], stderr: URL? = nil, environment: [String: String] = [:])
    throws -> Process
  {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    if !environment.isEmpty {
      p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    p.standardOutput = FileHandle.nullDevice
    if let stderr {
      _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
      p.standardError = try FileHandle(forWritingTo: stderr)
    } else {
      p.standardError = FileHandle.nullDevice
    }
    try p.run()
    return p
  }

  static func run(_ args: [String], in dir: URL, environment: [String: String] = [:]) throws
    -> Outcome
  {
    let log = dir.appendingPathComponent("stderr-\(UUID().uuidString).txt")
    defer { try? FileManager.default.removeItem(at: log) }
    let p = try start(args, stderr: log, environment: environment)
    p.waitUntilExit()
    return Outcome(
      status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
      stderr: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
  }

  static func datasetArgs(_ out: URL, limit: Int, size: Int = 32) -> [String] {
    ["dataset", "build", "--out", out.path, "--limit", "\(limit)", "--size", "\(size)", "--quiet"]
  }

  /// A tmpfs of `kilobytes` at a fresh folder, unmounted by `body`'s end.
  static func withTmpfs<R>(kilobytes: Int, _ body: (URL) throws -> R) throws -> R {
    let mount = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: mount) }
    try shell("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", mount.path])
    defer { try? shell("/bin/umount", [mount.path]) }
    return try body(mount)
  }

  static func shell(_ tool: String, _ args: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "\(tool) \(args)"])
    }
  }

  static func siblings(of target: URL) -> [String] {
    let all =
      (try? FileManager.default.contentsOfDirectory(
        atPath: target.deletingLastPathComponent().path)) ?? []
    return all.filter { $0.hasPrefix(".\(target.lastPathComponent)") }
  }

  @Test(.enabled(if: canBuild, "needs the glyffuser executable, Unihan and Noto Sans CJK"))
  func killDuringDatasetBuildKeepsThePreviousDataset() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let target = root.appendingPathComponent("glyphs")
    #expect(try Self.run(Self.datasetArgs(target, limit: 40), in: root).status == 0)
    let shard = target.appendingPathComponent(DatasetBuilder.shardFileName)
    let before = try Data(contentsOf: shard)

    // A 128 px build of every character takes tens of seconds: killed once it is rendering.
    let build = try Self.start(["dataset", "build", "--out", target.path, "--size", "128"])
    let deadline = Date().addingTimeInterval(60)
    func rendering() -> Bool {
      guard let temp = Self.siblings(of: target).first(where: { $0.contains(".tmp-") }) else {
        return false
      }
      let files = try? FileManager.default.contentsOfDirectory(
        atPath: root.appendingPathComponent(temp).path)
      return (files?.count ?? 0) > 50
    }
    while build.isRunning, !rendering(), Date() < deadline { usleep(20_000) }
    #expect(build.isRunning, "the build ended before it could be killed")
    kill(build.processIdentifier, SIGKILL)
    build.waitUntilExit()

    #expect(try Data(contentsOf: shard) == before, "the previous data set changed")
    #expect(try GlyphDataset(contentsOf: target).count == 40)
    // The next build clears the dead build's temporary folder and succeeds.
    #expect(try Self.run(Self.datasetArgs(target, limit: 30), in: root).status == 0)
    #expect(try GlyphDataset(contentsOf: target).count == 30)
    #expect(Self.siblings(of: target).isEmpty, "left behind: \(Self.siblings(of: target))")
  }

  @Test(.enabled(if: canBuild && hasMiniLM, "needs the executable, sources and MiniLM"))
  func killDuringEncodeKeepsTheCacheThatWasThere() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dataset = root.appendingPathComponent("glyphs")
    #expect(try Self.run(Self.datasetArgs(dataset, limit: 300), in: root).status == 0)
    let encode = ["encode", "--dataset", dataset.path]
    #expect(try Self.run(encode, in: root).status == 0)
    let cache = try #require(
      try FileManager.default.contentsOfDirectory(atPath: dataset.path)
        .first { $0.hasPrefix("caption_embeddings.") })
    let cacheURL = dataset.appendingPathComponent(cache)
    let before = try Data(contentsOf: cacheURL)

    // Killed once the progress bar shows the first batch encoded, before the last.
    let log = root.appendingPathComponent("encode.log")
    let again = try Self.start(encode + ["--force"], stderr: log)
    let deadline = Date().addingTimeInterval(120)
    func encoding() -> Bool {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      return text.contains("encode [") && !text.contains("] 0/")
    }
    while again.isRunning, !encoding(), Date() < deadline { usleep(10_000) }
    kill(again.processIdentifier, SIGKILL)
    again.waitUntilExit()
    #expect(again.terminationReason == .uncaughtSignal, "encode ended before it was killed")
    #expect(try Data(contentsOf: cacheURL) == before, "the cache changed under a killed encode")
    let left = try FileManager.default.contentsOfDirectory(atPath: dataset.path)
      .filter { $0.hasPrefix("caption_embeddings.") }
    #expect(left == [cache], "stray files: \(left)")
  }

  @Test(.enabled(if: canMount, "needs root (mounts a tmpfs), the executable and sources"))
  func readOnlyOutputIsRefusedWithItsPath() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dataset = root.appendingPathComponent("glyphs")
    #expect(try Self.run(Self.datasetArgs(dataset, limit: 24), in: root).status == 0)
    try Self.withTmpfs(kilobytes: 1024) { mount in
      try Self.shell("/bin/mount", ["-o", "remount,ro", mount.path])
      let commands: [[String]] = [
        Self.datasetArgs(mount.appendingPathComponent("glyphs"), limit: 24),
        [
          "train", "--preset", "test", "--dataset", dataset.path, "--out",
          mount.appendingPathComponent("run").path, "--steps", "2", "--batch", "4",
          "--text-dim", "16", "--tokens", "4", "--captions", "random", "--sample-every", "0",
          "--precision", "f32",
        ],
        [
          "generate", "gold", "--count", "1", "--steps", "2", "--precision", "f32", "--size", "32",
          "--out", mount.appendingPathComponent("glyphs.png").path,
        ],
      ]
      for args in commands {
        let outcome = try Self.run(args, in: root)
        #expect(outcome.status == 1 && !outcome.signalled, "\(args[0]): \(outcome)")
        #expect(outcome.stderr.contains(mount.path), "\(args[0]) names no path: \(outcome.stderr)")
      }
    }
  }

  @Test(.enabled(if: canMount, "needs root (mounts a tmpfs), the executable and sources"))
  func fullFilesystemLeavesNoHalfWrittenDataset() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    try Self.withTmpfs(kilobytes: 256) { mount in
      // 400 glyphs at 128 px need well over 256 KiB.
      let target = mount.appendingPathComponent("glyphs")
      let outcome = try Self.run(Self.datasetArgs(target, limit: 400, size: 128), in: root)
      #expect(outcome.status == 1 && !outcome.signalled, "\(outcome)")
      #expect(outcome.stderr.contains(mount.path), "no path named: \(outcome.stderr)")
      #expect(!FileManager.default.fileExists(atPath: target.path))
      #expect(Self.siblings(of: target).isEmpty, "left behind: \(Self.siblings(of: target))")
    }
  }

  @Test(.enabled(if: canMount, "needs root (mounts a tmpfs), the executable"))
  func fullFilesystemKeepsTheLastCheckpointResumable() throws {
    let root = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    try TrainingKillResumeTests.writeDataset(to: data)
    try Self.withTmpfs(kilobytes: 8192) { mount in
      let run = mount.appendingPathComponent("run")
      func train(_ steps: Int, resume: Bool) throws -> Outcome {
        try Self.run(
          [
            "train", "--preset", "test", "--dataset", data.path, "--out", run.path, "--steps",
            "\(steps)", "--batch", "4", "--checkpoint-every", "2", "--val-every", "0",
            "--text-dim", "16", "--tokens", "4", "--captions", "random", "--sample-every", "0",
            "--precision", "f32",
          ] + (resume ? ["--resume"] : []), in: root)
      }
      #expect(try train(2, resume: false).status == 0)
      // Fill what is left of the filesystem.
      let filler = mount.appendingPathComponent("filler")
      _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
      let handle = try FileHandle(forWritingTo: filler)
      let block = Data(count: 64 * 1024)
      while (try? handle.write(contentsOf: block)) != nil {}
      try? handle.close()

      let full = try train(4, resume: true)
      #expect(full.status == 1 && !full.signalled, "\(full)")
      #expect(full.stderr.contains(mount.path), "no path named: \(full.stderr)")
      // With room again, the run resumes from its last complete checkpoint and finishes.
      try FileManager.default.removeItem(at: filler)
      #expect(try train(4, resume: true).status == 0)
    }
  }
}
