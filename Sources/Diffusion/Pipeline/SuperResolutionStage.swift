import Foundation
import GlyphData
import Tensors

/// The cascade's second stage (SR3, Saharia et al. 2021; Imagen, Saharia et al. 2022): a
/// `UNet2DModel` that denoises a high-resolution glyph with the low-resolution one, bilinearly
/// upsampled, as a second input channel. Its folder is a diffusers model folder
/// (`config.json` + weights + `scheduler_config.json`) with `glyffuser.json` describing the
/// stage (`Record`).
public struct SuperResolutionStage {
  public static let recordFile = ModelFolder.recordFile

  /// What the stage is: `stage` is always "super-resolution".
  public struct Record: Codable, Sendable, Equatable {
    public var stage = "super-resolution"
    /// Output side ÷ input side.
    public var factor: Int
    /// The input side (the base model's).
    public var lowResolution: Int
    /// The training augmentation's largest noise level (`SuperResolutionSettings`).
    public var trainingAugmentation: Float
    /// The noise added to the input before upsampling when sampling (default of `upsample`).
    public var sampleAugmentation: Float
    /// Default sampler and steps (chosen by measurement, docs/RESULTS.md).
    public var sampler: SamplerName
    public var steps: Int
    /// Diffusion (sampled) or the one-call regression baseline.
    public var objective: SuperResolutionSettings.Objective
    public var trainingSteps: Int?

    public init(
      factor: Int, lowResolution: Int, trainingAugmentation: Float, sampleAugmentation: Float,
      sampler: SamplerName = .dpmpp2m, steps: Int = 10,
      objective: SuperResolutionSettings.Objective = .diffusion, trainingSteps: Int? = nil
    ) {
      self.objective = objective
      self.factor = factor
      self.lowResolution = lowResolution
      self.trainingAugmentation = trainingAugmentation
      self.sampleAugmentation = sampleAugmentation
      self.sampler = sampler
      self.steps = steps
      self.trainingSteps = trainingSteps
    }

    /// A missing `objective` is a diffusion stage (the first stages' records had none).
    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      stage = try c.decode(String.self, forKey: .stage)
      factor = try c.decode(Int.self, forKey: .factor)
      lowResolution = try c.decode(Int.self, forKey: .lowResolution)
      trainingAugmentation = try c.decode(Float.self, forKey: .trainingAugmentation)
      sampleAugmentation = try c.decode(Float.self, forKey: .sampleAugmentation)
      sampler = try c.decode(SamplerName.self, forKey: .sampler)
      steps = try c.decode(Int.self, forKey: .steps)
      objective =
        try c.decodeIfPresent(SuperResolutionSettings.Objective.self, forKey: .objective)
        ?? .diffusion
      trainingSteps = try c.decodeIfPresent(Int.self, forKey: .trainingSteps)
    }

    enum CodingKeys: String, CodingKey {
      case stage, factor, sampler, steps, objective
      case lowResolution = "low_resolution"
      case trainingAugmentation = "training_augmentation"
      case sampleAugmentation = "sample_augmentation"
      case trainingSteps = "training_steps"
    }
  }

  public let unet: UNet2DConditionModel
  /// Its sampler and steps may be changed (`--sr-sampler`, `--sr-steps`).
  public var record: Record
  public let scheduler: SchedulerConfig

  public init(unet: UNet2DConditionModel, record: Record, scheduler: SchedulerConfig) throws {
    guard unet.config.modelClass == .unet2D, unet.config.inChannels == 2,
      unet.config.outChannels == 1
    else {
      throw ModelFolderError.notAModel(
        "super-resolution stage", "its U-Net must be a UNet2DModel with 2 inputs and 1 output")
    }
    guard (2...16).contains(record.factor), (1...1024).contains(record.lowResolution),
      (1...1000).contains(record.steps),
      record.sampleAugmentation.isFinite, (0...1).contains(record.sampleAugmentation)
    else {
      throw ModelFolderError.notAModel(
        "super-resolution stage",
        "glyffuser.json: factor, low_resolution, steps or "
          + "sample_augmentation out of range")
    }
    // The output size is the network's sample size (itself range-checked), so a record cannot
    // ask for more pixels than its config allows.
    guard record.lowResolution * record.factor == unet.config.sampleSize else {
      throw ModelFolderError.notAModel(
        "super-resolution stage",
        "glyffuser.json: \(record.lowResolution) px × \(record.factor) is not the U-Net's "
          + "sample_size \(unet.config.sampleSize)")
    }
    self.unet = unet
    self.record = record
    self.scheduler = scheduler
  }

  /// The output side.
  public var size: Int { record.lowResolution * record.factor }

  /// "dpmpp-2m, 10 steps", or "one call" for a regression stage.
  public var samplingSummary: String {
    record.objective == .regression
      ? "one call" : "\(record.sampler.rawValue), \(record.steps) steps"
  }

  /// The steps `upsample` reports (1 for a regression stage).
  public var reportedSteps: Int { record.objective == .regression ? 1 : record.steps }

  public static func save(
    _ unet: UNet2DConditionModel, record: Record, scheduler: SchedulerConfig,
    weights: [String: Tensor]? = nil, storage: SafeTensorsDType = .f32, to directory: URL
  ) throws {
    try ModelFolder.write(
      unet, record: record, scheduler: scheduler, weights: weights, storage: storage,
      to: directory)
  }

  public static func load(from directory: URL) throws -> SuperResolutionStage {
    let recordURL = directory.appendingPathComponent(recordFile)
    let record: Record
    do {
      record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: recordURL))
    } catch {
      throw ModelFolderError.notAModel(
        recordURL.path, "not a super-resolution stage's record: \(error)")
    }
    guard record.stage == "super-resolution" else {
      throw ModelFolderError.notAModel(recordURL.path, "stage is \"\(record.stage)\"")
    }
    let unet = try UNetCheckpoint.load(from: directory)
    let scheduler = try SchedulerConfig.load(
      from: directory.appendingPathComponent(ModelFolder.schedulerFile))
    return try SuperResolutionStage(unet: unet, record: record, scheduler: scheduler)
  }

  /// Copies the stage at `source` to `destination` (another folder) with its weights stored as
  /// `storage` (F16 to ship), as `ModelFolder.convert` does for the base model.
  public static func convert(from source: URL, to destination: URL, storage: SafeTensorsDType)
    throws
  {
    try ModelFolder.requireDistinct(source, destination)
    let stage = try load(from: source)
    try save(
      stage.unet, record: stage.record, scheduler: stage.scheduler, storage: storage,
      to: destination)
  }

  /// Whether `directory` holds a super-resolution stage (its record says so).
  public static func isStage(_ directory: URL) -> Bool {
    guard
      let data = FileManager.default.contents(
        atPath: directory.appendingPathComponent(recordFile).path),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return false }
    return object["stage"] as? String == "super-resolution"
  }

  /// The condition channel: `low [B, s, s, 1]` in [−1, 1], plus `augmentation`-σ Gaussian noise
  /// (per-image streams "sr-augment" of `seeds`), bilinearly upsampled to `[B, S, S, 1]`.
  public func condition(_ low: Tensor, augmentation: Float, seeds: [UInt64]) -> Tensor {
    let (b, s) = (low.shape[0], low.shape[1])
    var values = low.contiguous().scalars
    if augmentation > 0 {
      var noise = PerSampleNoise(seeds: seeds, name: "sr-augment")
      let n = noise.next(shape: [b, s, s, 1]).scalars
      for i in values.indices { values[i] += augmentation * n[i] }
    }
    let up = GlyphUpsample.upsample(
      values, count: b, side: s, factor: record.factor, kernel: .bilinear)
    return Tensor(shape: [b, s * record.factor, s * record.factor, 1], scalars: up)
  }

  /// High-resolution glyphs `[B, S, S, 1]` (about −1…1) for low-resolution ones `[B, s, s, 1]`.
  /// Image i starts from the noise of seed `seeds[i]` (stream "sr-sample"); a regression stage
  /// answers in one call (reported to `onStep` as one step) and ignores the sampler.
  public func upsample(
    _ low: Tensor, seeds: [UInt64], sampler: SamplerName? = nil, steps: Int? = nil,
    augmentation: Float? = nil, onStep: TrajectoryCallback? = nil
  ) throws -> Tensor {
    precondition(
      low.rank == 4 && low.shape[1] == record.lowResolution && low.shape[3] == 1
        && seeds.count == low.shape[0], "super-resolution input \(low.shape)")
    let cond = condition(
      low, augmentation: augmentation ?? record.sampleAugmentation, seeds: seeds)
    if record.objective == .regression {
      // One call: reported as one step whose sample and prediction are the answer.
      let x = regress(cond)
      try onStep?(
        TrajectoryStep(index: 0, timestep: 0, sample: x, predictedOriginal: x, sampleScale: 1))
      return x
    }
    let trained = try scheduler.settings()
    var settings = (sampler ?? record.sampler).settings(schedule: trained.schedule)
    settings.prediction = trained.prediction
    if scheduler.timestepSpacing != nil { settings.spacing = trained.spacing }
    let unet = self.unet
    let model: Denoiser.Model = { x, t in
      withNoGrad {
        unet(x, timesteps: Array(repeating: t, count: x.shape[0]), conditioning: .channels(cond))
      }
    }
    var start = PerSampleNoise(seeds: seeds, name: "sr-sample")
    let z = start.next(shape: [low.shape[0], size, size, 1])
    var noise = PerSampleNoise(seeds: seeds, name: "sr-sampler-noise")
    return try settings.makeSampler(steps: steps ?? record.steps).sample(
      fromUnitNoise: z, denoiser: settings.makeDenoiser(model: model), noise: &noise,
      onStep: onStep)
  }

  /// The regression stage's one call: x_t channel 0, t = 0.
  func regress(_ cond: Tensor) -> Tensor {
    let b = cond.shape[0]
    let input = Tensor.concatenate([Tensor.zeros([b, size, size, 1]), cond], axis: 3)
    let unet = self.unet
    return withNoGrad { unet(input, timesteps: [Float](repeating: 0, count: b)) }
  }
}
