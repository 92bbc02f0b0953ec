import Foundation
import NN
import Tensors

/// A Glyffuser model folder: the U-Net in diffusers layout (`config.json` +
/// `diffusion_pytorch_model.safetensors`, loadable with `UNet2DConditionModel.from_pretrained`),
/// the training noise schedule as a diffusers `scheduler_config.json`, and `glyffuser.json`
/// naming the text encoder the model was trained with.
public enum ModelFolder {
  public static let schedulerFile = "scheduler_config.json"
  public static let recordFile = "glyffuser.json"

  /// What the model expects of its text encoder.
  public struct Record: Codable, Sendable, Equatable {
    /// Encoder name (e.g. `all-MiniLM-L6-v2`) or folder the user gave.
    public var textEncoder: String
    /// Name plus weights hash: a different encoder of the same width is still refused.
    public var textEncoderIdentity: String
    public var textDim: Int
    public var maxTokens: Int
    public var preset: String?
    public var trainingSteps: Int?

    public init(
      textEncoder: String, textEncoderIdentity: String, textDim: Int, maxTokens: Int,
      preset: String? = nil, trainingSteps: Int? = nil
    ) {
      self.textEncoder = textEncoder
      self.textEncoderIdentity = textEncoderIdentity
      self.textDim = textDim
      self.maxTokens = maxTokens
      self.preset = preset
      self.trainingSteps = trainingSteps
    }

    enum CodingKeys: String, CodingKey {
      case textEncoder = "text_encoder"
      case textEncoderIdentity = "text_encoder_identity"
      case textDim = "text_dim"
      case maxTokens = "max_tokens"
      case preset
      case trainingSteps = "training_steps"
    }
  }

  /// The default training schedule: DDPM, linear betas 1e-4 → 0.02 over 1000 steps (Ho et al.).
  public static var defaultScheduler: SchedulerConfig {
    var c = SchedulerConfig(className: "DDPMScheduler")
    c.numTrainTimesteps = 1000
    c.betaStart = 1e-4
    c.betaEnd = 0.02
    c.betaSchedule = "linear"
    c.predictionType = "epsilon"
    c.clipSample = false
    return c
  }

  /// Writes the folder (each file atomically). `weights` overrides the model's parameters by path
  /// (e.g. the EMA weights); `storage` is the weights' element type on disk (`UNetCheckpoint`).
  public static func save(
    _ unet: UNet2DConditionModel, record: Record, scheduler: SchedulerConfig = defaultScheduler,
    weights: [String: Tensor]? = nil, storage: SafeTensorsDType = .f32, to directory: URL
  ) throws {
    try write(
      unet, record: record, scheduler: scheduler, weights: weights, storage: storage,
      to: directory)
  }

  /// The folder layout any Glyffuser model shares — the U-Net in diffusers layout, its
  /// `scheduler_config.json` and a `glyffuser.json` record (this model's `Record`, or a
  /// super-resolution stage's) — each file written atomically.
  static func write(
    _ unet: UNet2DConditionModel, record: some Encodable, scheduler: SchedulerConfig,
    weights: [String: Tensor]?, storage: SafeTensorsDType, to directory: URL
  ) throws {
    try UNetCheckpoint.save(unet, to: directory, weights: weights, storage: storage)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(
      try encoder.encode(scheduler), to: directory.appendingPathComponent(schedulerFile))
    try AtomicFile.write(
      try encoder.encode(record), to: directory.appendingPathComponent(recordFile))
  }

  /// Refuses a conversion whose copy would overwrite its source (each file is replaced
  /// atomically, but a folder read while it is rewritten would mix two versions).
  static func requireDistinct(_ source: URL, _ destination: URL) throws {
    guard
      source.standardizedFileURL.resolvingSymlinksInPath().path
        != destination.standardizedFileURL.resolvingSymlinksInPath().path
    else {
      throw ModelFolderError.notAModel(
        destination.path, "the converted copy must go to another folder than its source")
    }
  }

  /// Copies the model folder at `source` to `destination` with its weights stored as `storage`
  /// (F16 to ship a model at half the size): the same U-Net config, scheduler and record. The
  /// two folders must differ (each file is replaced atomically, but a folder read while it is
  /// rewritten would mix two versions).
  public static func convert(
    from source: URL, to destination: URL, storage: SafeTensorsDType
  ) throws {
    try requireDistinct(source, destination)
    let loaded = try load(from: source)  // validates everything before anything is written
    try save(
      loaded.unet, record: loaded.record, scheduler: loaded.scheduler, storage: storage,
      to: destination)
    // The scheduler file verbatim: keys this reader does not model (diffusers' own, such as
    // `_diffusers_version`) survive the copy.
    let scheduler = source.appendingPathComponent(schedulerFile)
    if let bytes = FileManager.default.contents(atPath: scheduler.path) {
      try AtomicFile.write(bytes, to: destination.appendingPathComponent(schedulerFile))
    }
  }

  public struct Loaded {
    public var unet: UNet2DConditionModel
    public var record: Record
    public var scheduler: SchedulerConfig

    public init(unet: UNet2DConditionModel, record: Record, scheduler: SchedulerConfig) {
      self.unet = unet
      self.record = record
      self.scheduler = scheduler
    }
  }

  public static func load(from directory: URL) throws -> Loaded {
    let recordURL = directory.appendingPathComponent(recordFile)
    guard FileManager.default.fileExists(atPath: recordURL.path) else {
      throw ModelFolderError.notAModel(
        directory.path,
        "no \(recordFile) (make one with `glyffuser train` or `glyffuser init-model`)")
    }
    let record: Record
    do {
      record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: recordURL))
    } catch {
      throw ModelFolderError.notAModel(recordURL.path, "unreadable: \(error)")
    }
    guard (1...16_384).contains(record.textDim) else {
      throw ModelFolderError.notAModel(
        recordURL.path, "text_dim \(record.textDim) is outside 1…16384")
    }
    guard (1...4_096).contains(record.maxTokens) else {
      throw ModelFolderError.notAModel(
        recordURL.path, "max_tokens \(record.maxTokens) is outside 1…4096")
    }
    let unet = try UNetCheckpoint.load(from: directory)
    guard unet.config.textDim == record.textDim else {
      throw ModelFolderError.notAModel(
        recordURL.path,
        "text_dim \(record.textDim) but the U-Net expects \(unet.config.textDim)-d text")
    }
    let schedulerURL = directory.appendingPathComponent(schedulerFile)
    let scheduler =
      FileManager.default.fileExists(atPath: schedulerURL.path)
      ? try SchedulerConfig.load(from: schedulerURL) : defaultScheduler
    return Loaded(unet: unet, record: record, scheduler: scheduler)
  }
}

public enum ModelFolderError: Error, CustomStringConvertible {
  case notAModel(String, String)
  public var description: String {
    switch self {
    case .notAModel(let path, let why): "\(path): not a Glyffuser model folder: \(why)"
    }
  }
}
