import Foundation
import NN
import Tensors

#if canImport(Glibc)
  import Glibc
#endif

/// Checkpoints of a run: `RUN/checkpoints/step-N/` holding
/// - `unet/`  the model in diffusers layout (`UNetCheckpoint.save`),
/// - `ema/`   the EMA weights, same layout (loadable on their own for sampling),
/// - `optimizer.safetensors`  AdamW moments `m.<path>`, `v.<path>`; steps per path in metadata,
/// - `trainer_state.json`  `TrainerState` plus the EMA step.
///
/// Written atomically: everything goes to `checkpoints/.step-N.tmp-PID` (each file fsynced),
/// the directory is fsynced and renamed to `step-N`, then `checkpoints/` is fsynced; a crash at
/// any moment leaves earlier checkpoints whole and at most a temporary directory, which the next
/// write removes. Only the newest `keepCheckpoints` are kept.
public enum TrainingCheckpoint {
  public static let directoryName = "checkpoints"
  public static let stateFile = "trainer_state.json"
  public static let optimizerFile = "optimizer.safetensors"
  public static let modelDirectory = "unet"
  public static let emaDirectory = "ema"

  struct StateFile: Codable {
    var trainer: TrainerState
    var emaStep: Int
  }

  /// `run/checkpoints`.
  public static func directory(run: URL) -> URL {
    run.appendingPathComponent(directoryName, isDirectory: true)
  }

  /// Saved checkpoints of `run` as (step, directory), oldest first; only complete ones (a
  /// `step-N` directory exists only after its rename).
  public static func list(run: URL) -> [(step: Int, url: URL)] {
    let dir = directory(run: run)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.compactMap { name -> (Int, URL)? in
      guard name.hasPrefix("step-"), let n = Int(name.dropFirst(5)) else { return nil }
      return (n, dir.appendingPathComponent(name, isDirectory: true))
    }.sorted { $0.0 < $1.0 }
  }

  /// The newest checkpoint of `run`, or nil.
  public static func latest(run: URL) -> URL? { list(run: run).last?.url }

  /// Writes the trainer's checkpoint for its current step; returns its directory.
  @discardableResult
  public static func save(_ trainer: Trainer, run: URL) throws -> URL {
    let fm = FileManager.default
    let dir = directory(run: run)
    try fm.createDirectory(at: dir, withIntermediateDirectories: true)
    for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
    where name.hasPrefix(".step-") {
      try? fm.removeItem(at: dir.appendingPathComponent(name))
    }
    let step = trainer.state.step
    let tmp = dir.appendingPathComponent(".step-\(step).tmp-\(getpid())", isDirectory: true)
    let final = dir.appendingPathComponent("step-\(step)", isDirectory: true)
    try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
    do {
      let model = trainer.model
      try UNetCheckpoint.save(
        model, to: tmp.appendingPathComponent(modelDirectory),
        extraMetadata: ["step": "\(step)"])
      try UNetCheckpoint.save(
        model, to: tmp.appendingPathComponent(emaDirectory), weights: trainer.ema.shadow,
        extraMetadata: ["step": "\(step)", "ema_decay": "\(trainer.ema.decay)"])
      try writeOptimizer(trainer.optimizer, to: tmp.appendingPathComponent(optimizerFile))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      let json = try encoder.encode(
        StateFile(trainer: trainer.state, emaStep: trainer.ema.optimizationStep))
      try AtomicFile.write(json, to: tmp.appendingPathComponent(stateFile))
      for sub in [modelDirectory, emaDirectory] {
        try syncDirectory(tmp.appendingPathComponent(sub))
      }
      try syncDirectory(tmp)
      if fm.fileExists(atPath: final.path) {
        let trash = dir.appendingPathComponent(".step-\(step).old-\(getpid())")
        try fm.moveItem(at: final, to: trash)
        try? fm.removeItem(at: trash)
      }
      guard rename(tmp.path, final.path) == 0 else {
        throw TrainingError.badCheckpoint(path: final.path, "rename failed (errno \(errno))")
      }
      try syncDirectory(dir)
    } catch {
      try? fm.removeItem(at: tmp)
      throw error
    }
    for old in list(run: run).dropLast(trainer.config.keepCheckpoints) {
      try? fm.removeItem(at: old.url)
    }
    return final
  }

  static func writeOptimizer(_ opt: AdamW, to url: URL) throws {
    var entries: [SafeTensorsEntry] = []
    var steps: [String: Int] = [:]
    for (name, p) in opt.named {
      guard let s = opt.states[name] else { continue }
      entries.append(.f32("m.\(name)", shape: p.shape, s.m))
      entries.append(.f32("v.\(name)", shape: p.shape, s.v))
      steps[name] = s.step
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys  // a deterministic file
    let stepsJSON = String(decoding: try encoder.encode(steps), as: UTF8.self)
    try SafeTensors.write(entries, metadata: ["steps": stepsJSON], to: url)
  }

  static func readOptimizer(_ url: URL, named: [(String, Parameter)]) throws -> [String: AdamW
    .State]
  {
    let file = try SafeTensorsFile(contentsOf: url)
    guard let json = file.metadata["steps"],
      let steps = try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))
    else { throw TrainingError.badCheckpoint(path: url.path, "metadata \"steps\" missing or bad") }
    var out: [String: AdamW.State] = [:]
    let shapes = Dictionary(uniqueKeysWithValues: named.map { ($0.0, $0.1.shape) })
    for (name, step) in steps {
      guard let shape = shapes[name] else {
        throw TrainingError.badCheckpoint(path: url.path, "state for unknown parameter \(name)")
      }
      var mv: [[Float]] = []
      for key in ["m.\(name)", "v.\(name)"] {
        guard file.contains(key) else {
          throw TrainingError.badCheckpoint(path: url.path, "tensor \(key) missing")
        }
        let info = try file.info(key)
        guard info.shape == shape else {
          throw TrainingError.badCheckpoint(
            path: url.path, "tensor \(key) has shape \(info.shape), parameter \(shape)")
        }
        mv.append(try file.floats(key))
      }
      out[name] = AdamW.State(m: mv[0], v: mv[1], step: step)
    }
    return out
  }

  /// Rebuilds a trainer from checkpoint directory `url` (a `step-N`) to continue exactly where
  /// it stopped. `duration`, when given, replaces the stored stopping rule (run longer).
  public static func resume(
    from url: URL, images: TrainingImages, captions: any CaptionEmbeddings,
    duration: TrainingConfig.Duration? = nil
  ) throws -> Trainer {
    try resume(
      from: url, examples: CaptionedGlyphs(images: images, captions: captions), duration: duration)
  }

  /// The training config stored in checkpoint `url` (to rebuild its examples before resuming).
  public static func storedConfig(at url: URL) throws -> TrainingConfig {
    let stateURL = url.appendingPathComponent(stateFile)
    do {
      return try JSONDecoder().decode(StateFile.self, from: Data(contentsOf: stateURL)).trainer
        .config
    } catch {
      throw TrainingError.badCheckpoint(path: stateURL.path, "\(error)")
    }
  }

  /// The same for any examples (the super-resolution stage's crops).
  public static func resume(
    from url: URL, examples: any TrainingExamples, duration: TrainingConfig.Duration? = nil
  ) throws -> Trainer {
    let stateURL = url.appendingPathComponent(stateFile)
    let stored: StateFile
    do {
      stored = try JSONDecoder().decode(StateFile.self, from: Data(contentsOf: stateURL))
    } catch {
      throw TrainingError.badCheckpoint(path: stateURL.path, "\(error)")
    }
    guard stored.trainer.format == TrainerState.formatVersion else {
      throw TrainingError.badCheckpoint(
        path: stateURL.path,
        "format \(stored.trainer.format), expected \(TrainerState.formatVersion)")
    }
    var state = stored.trainer
    if let duration { state.config.duration = duration }
    try state.config.validate()
    let model = try UNetCheckpoint.load(from: url.appendingPathComponent(modelDirectory))
    let emaModel = try UNetCheckpoint.load(from: url.appendingPathComponent(emaDirectory))
    guard emaModel.config == model.config else {
      throw TrainingError.badCheckpoint(path: url.path, "ema/config.json differs from unet/")
    }
    let ema = EMA(
      model.namedParameters(), decay: state.config.emaDecay, useWarmup: state.config.emaWarmup,
      power: state.config.emaPower)
    ema.load(
      shadow: Dictionary(
        uniqueKeysWithValues: emaModel.namedParameters().map { ($0.0, $0.1.value.detached()) }),
      step: stored.emaStep)
    let trainer = try Trainer(model: model, state: state, examples: examples, ema: ema)
    trainer.optimizer.load(
      states: try readOptimizer(
        url.appendingPathComponent(optimizerFile), named: model.namedParameters()))
    return trainer
  }

  /// fsync of a directory, so renames and new entries in it are durable.
  static func syncDirectory(_ url: URL) throws {
    let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else {
      throw TrainingError.badCheckpoint(path: url.path, "open failed (errno \(errno))")
    }
    defer { close(fd) }
    guard fsync(fd) == 0 else {
      throw TrainingError.badCheckpoint(path: url.path, "fsync failed (errno \(errno))")
    }
  }
}
