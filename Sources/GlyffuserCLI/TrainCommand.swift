import ArgumentParser
import Diffusion
import Evaluation
import Foundation
import GlyphData
import Imaging
import NN
import Tensors
import TextEncoding

/// `glyffuser train`: trains a U-Net (a preset or a config.json) on a built data set, writing `RUN/metrics.jsonl`,
/// `RUN/samples/step-N.png` and `RUN/checkpoints/step-N/`; `--resume` continues the newest
/// checkpoint exactly.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train", abstract: "Train a glyffuser U-Net on a data set.")

  @OptionGroup var shape: UNetShapeOptions
  @Option(help: "Data set directory (holding glyphs.safetensors).") var dataset: String
  @Option(help: "Run directory (metrics, samples, checkpoints).") var out: String
  @Option(help: "Stop after N optimiser steps.") var steps: Int?
  @Option(help: "Stop after E epochs.") var epochs: Int?
  @Option(help: "Stop after M minutes of wall-clock time.") var minutes: Double?
  @Option(help: "Images per step.") var batch = 32
  @Option(help: "Peak learning rate.") var lr: Float = 1e-4
  @Option(help: "Linear warm-up steps.") var warmup = 500
  @Option(
    help: "Length of the cosine decay in steps (default: the run's length; 100000 with --minutes).")
  var scheduleSteps: Int?
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?
  @Flag(help: "Continue from the newest checkpoint in --out.") var resume = false
  @Option(help: "Checkpoint every N steps.") var checkpointEvery = 500
  @Option(help: "Keep the newest K checkpoints.") var keep = 3
  @Option(help: "Preview grid every N steps (0 = never; needs a text encoder).")
  var sampleEvery = 1000
  @Option(help: "Validation loss every N steps (0 = never).") var valEvery = 250
  @Option(help: "Random seed (initial weights and every stream).") var seed: UInt64 = 0
  @Option(help: "EMA decay.") var emaDecay: Float = 0.9999
  @Option(
    help:
      "Inverse-gamma EMA warm-up power (diffusers' use_ema_warmup; 2/3 or 3/4 are usual); default: (1 + t)/(10 + t)."
  )
  var emaPower: Float?
  @Option(help: "Beta schedule: linear, scaled_linear or squaredcos_cap_v2 (diffusers' names).")
  var betaSchedule = "linear"
  @Flag(
    help:
      "Rescale the schedule to zero terminal SNR and sample with trailing timesteps (Lin et al. 2023; needs --prediction v_prediction)."
  )
  var zeroTerminalSnr = false
  @Option(
    help:
      "Shift every log-SNR by S (simple diffusion: 2·ln(64/size); positive = less noise); written as trained_betas."
  )
  var snrShift: Double = 0
  @Option(help: "Prediction target: epsilon, v_prediction or sample.")
  var prediction = PredictionType.epsilon
  @Option(help: "Min-SNR-γ loss weighting (off when absent; 5 is the paper's choice).")
  var minSnrGamma: Float?
  @Option(help: "Caption dropout probability (classifier-free guidance).")
  var captionDropout: Float = 0.1
  @Option(
    help:
      "Draw training timesteps with log-SNR ~ N(M, S²) instead of uniform t: 'M,S' (SD3's logit-normal is 0,2; EDM's 2.4,2.4)."
  )
  var logsnrNormal: String?
  @Option(help: "AdamW's β₂ (second-moment decay).") var adamBeta2: Float = 0.999
  @Option(
    help:
      "Progressive resolution: train the first --low-res-steps steps on the glyphs box-downsampled to this size (e.g. 16 for a 32 px network)."
  )
  var lowResSize: Int?
  @Option(help: "Steps at --low-res-size (the rest at the network's size).")
  var lowResSteps: Int?
  @Option(
    help:
      "Caption embeddings: 'cache' (the data set's caption cache, encoded first when missing) or 'random' (fixed random vectors per caption, for smoke tests and benchmarks)."
  )
  var captions = CaptionSource.cache
  @OptionGroup var encoderOptions: EncoderOptions
  @Option(
    help:
      "Every N steps, score the EMA weights with a small `glyffuser eval` (0 = never); the numbers go into metrics.jsonl and `glyffuser plot`."
  )
  var evalEvery = 0
  @Option(help: "Held-out characters of that evaluation (one glyph each).")
  var evalCharacters = 128
  @Option(help: "Judge folder for --eval-every.") var judge = JudgeFolder.shippedPath
  @Option(help: "Tokens per caption for --captions random.") var tokens = 16
  @Option(help: "Text dimension for --captions random.") var textDim = 384

  func validate() throws {
    let given = [steps != nil, epochs != nil, minutes != nil].filter { $0 }.count
    guard given <= 1 else {
      throw ValidationError("give at most one of --steps, --epochs, --minutes")
    }
    guard given == 1 || resume else {
      throw ValidationError("give one of --steps, --epochs, --minutes")
    }
    guard evalEvery >= 0, (8...100_000).contains(evalCharacters) else {
      throw ValidationError("--eval-every must be ≥ 0 and --eval-characters 8–100,000")
    }
    if let logsnrNormal {
      _ = try Self.parseLogSNRNormal(logsnrNormal)
    }
    guard (lowResSize == nil) == (lowResSteps == nil) else {
      throw ValidationError("give both --low-res-size and --low-res-steps, or neither")
    }
    if let lowResSize, let lowResSteps, !(lowResSize >= 4 && lowResSteps >= 0) {
      throw ValidationError("--low-res-size must be ≥ 4 and --low-res-steps ≥ 0")
    }
    guard adamBeta2 > 0, adamBeta2 < 1 else {
      throw ValidationError("--adam-beta2 must be in (0, 1), not \(adamBeta2)")
    }
    if evalEvery > 0, captions != .cache {
      throw ValidationError("--eval-every needs the text encoder (--captions cache)")
    }
  }

  /// "M,S" → `.logSNRNormal(mean: M, std: S)`, S > 0.
  static func parseLogSNRNormal(_ text: String) throws -> TimestepDensity {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
      .map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let mean = parts[0], let std = parts[1], mean.isFinite, std > 0,
      std.isFinite
    else {
      throw ValidationError(
        "--logsnr-normal must be 'MEAN,STD' with a finite mean and a positive STD, not '\(text)'")
    }
    return .logSNRNormal(mean: mean, std: std)
  }

  var duration: TrainingConfig.Duration? {
    if let steps { return .steps(steps) }
    if let epochs { return .epochs(epochs) }
    if let minutes { return .minutes(minutes) }
    return nil
  }

  func makeConfig(precision: Precision) -> TrainingConfig {
    var c = TrainingConfig()
    c.seed = seed
    c.batchSize = batch
    c.duration = duration ?? .steps(1000)
    c.learningRate = lr
    c.warmupSteps = warmup
    c.scheduleSteps = scheduleSteps
    c.precision = precision.rawValue
    c.checkpointEvery = checkpointEvery
    c.keepCheckpoints = keep
    c.sampleEvery = sampleEvery
    c.validationEvery = valEvery
    c.emaDecay = emaDecay
    c.prediction = prediction
    c.lossWeighting = minSnrGamma.map { .minSNR(gamma: $0) } ?? .uniform
    c.captionDropout = captionDropout
    c.emaPower = emaPower
    c.timestepDensity = logsnrNormal.flatMap { try? Self.parseLogSNRNormal($0) }
    c.optimizer.beta2 = adamBeta2
    if let lowResSize, let lowResSteps {
      c.lowResolution = LowResolutionPhase(size: lowResSize, steps: lowResSteps)
    }
    let noise = TrainingNoise(
      betaSchedule: betaSchedule, zeroTerminalSNR: zeroTerminalSnr, logSNRShift: snrShift)
    if noise != TrainingNoise() { c.noise = noise }
    return c
  }

  func run() throws {
    let runDir = URL(fileURLWithPath: out, isDirectory: true)
    let data: GlyphDataset
    do {
      data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset, isDirectory: true))
    } catch { throw CLIError("\(error)") }
    let captionTable: any CaptionEmbeddings
    var promptEncoder: (any PromptEncoder)? = nil
    var cacheInfo: CaptionCache? = nil
    if captions == .cache {
      let (cache, encoder) = try openCaptionCache(
        dataset: URL(fileURLWithPath: dataset, isDirectory: true), captions: data.captions)
      captionTable = CachedCaptionEmbeddings(cache: cache)
      cacheInfo = cache
      promptEncoder = encoder.map { TextEncoderPrompts(encoder: $0, length: cache.maxLength) }
    } else {
      captionTable = RandomCaptionEmbeddings(
        count: data.count, tokens: tokens, dim: textDim, seed: seed)
    }
    do {
      let trainer: Trainer
      var precisionReason: String?
      if resume, let latest = TrainingCheckpoint.latest(run: runDir) {
        let state = try TrainingCheckpoint.resume(
          from: latest, images: try TrainingImages(dataset: data, size: try sampleSize(of: latest)),
          captions: captionTable,
          duration: duration)
        trainer = state
        log("resuming \(latest.path) at step \(trainer.state.step)")
        precisionReason = adoptCheckpointPrecision(of: trainer, requested: precision)
        log("precision: \(precisionReason!)")
      } else {
        if resume { log("no checkpoint in \(runDir.path): starting a new run") }
        let resolved = try PrecisionFlag.apply(precision, for: .training)
        precisionReason = resolved.reason
        let config = makeConfig(precision: resolved.precision)
        let unetConfig = try shape.config(textDim: captionTable.dim)
        var rng = RandomStream(seed: seed, name: "init")
        let model = try UNet2DConditionModel(unetConfig, stream: &rng)
        trainer = try Trainer(
          model: model, config: config,
          images: try TrainingImages(dataset: data, size: unetConfig.sampleSize),
          captions: captionTable)
        log(
          "training \(shape.name) (\(model.parameterCount) parameters) on \(data.count) glyphs, "
            + "batch \(config.batchSize), \(config.precision)")
      }
      let run = try TrainingRun(trainer: trainer, directory: runDir)
      run.precisionReason = precisionReason
      run.writeImage = writePreviewPNG
      run.promptEncoder = promptEncoder
      if trainer.config.sampleEvery > 0, promptEncoder == nil {
        log("preview grids need the text encoder: skipped")
      }
      // SIGINT/SIGTERM: finish the step, write a checkpoint, exit.
      let interrupt = InterruptFlag()
      run.shouldStop = { interrupt.isSet }
      if let cache = cacheInfo {
        // RUN/model: the EMA weights as a model folder for `glyffuser generate` and `eval`.
        let record = ModelFolder.Record(
          textEncoder: cache.encoderName, textEncoderIdentity: cache.encoderIdentity,
          textDim: cache.hiddenSize, maxTokens: cache.maxLength,
          preset: resume ? nil : shape.presetName, trainingSteps: trainer.state.step)
        run.modelRecord = record
        if evalEvery > 0 {
          try attachEvaluation(to: run, record: record, data: data)
        }
      }
      let history = try run.run()
      FileHandle.standardError.write(Data("\n".utf8))
      if run.modelRecord != nil { log("EMA model: \(run.modelDirectory.path)") }
      if let last = history.last {
        log(
          String(
            format: "done: step %d, loss %.4f, checkpoint %@", last.step, last.loss,
            TrainingCheckpoint.latest(run: runDir)?.path ?? "none"))
      }
    } catch let error as TrainingError {
      FileHandle.standardError.write(Data("\n".utf8))
      throw CLIError("\(error)")
    }
  }

  /// `--eval-every`: a small evaluation of the live model (EMA weights swapped in by the run).
  func attachEvaluation(to run: TrainingRun, record: ModelFolder.Record, data: GlyphDataset)
    throws
  {
    let trainer = run.trainer
    let scheduler = try trainer.config.schedulerConfig()
    let generator = try GlyphGenerator(
      loaded: ModelFolder.Loaded(unet: trainer.model, record: record, scheduler: scheduler),
      encoder: try TextEncoder.load(record.textEncoder))
    var options = EvalOptions()
    options.characters = evalCharacters
    options.perPrompt = 1
    options.perFamily = 4
    let evaluation = try GlyphEvaluation(
      generator: generator, judge: try JudgeFolder.load(from: ShippedModels.locate(judge)),
      dataset: data, options: options, modelURL: run.modelDirectory,
      judgeURL: ShippedModels.locate(judge))
    run.evaluateEvery = evalEvery
    run.evaluate = {
      let (r, details, _) = try evaluation.run()
      let family =
        details.family.map(\.adherence).reduce(0, +) / Double(max(details.family.count, 1))
      return [
        "radical_top1": r.radicalTop1, "radical_top5": r.radicalTop5,
        "radical_top1_real": r.radicalTop1Real, "radical_top1_uncond": r.radicalTop1Uncond,
        "fd": r.fd, "fd_real_floor": r.fdRealFloor, "kid": r.kid, "precision": r.precision,
        "recall": r.recall, "copies": r.copies, "family_top1": family, "seconds": r.seconds,
      ]
    }
  }

  /// The image size of the model saved in checkpoint `dir`.
  func sampleSize(of dir: URL) throws -> Int {
    let url = dir.appendingPathComponent(TrainingCheckpoint.modelDirectory)
      .appendingPathComponent(UNetCheckpoint.configFile)
    return try UNetConfig(diffusersJSON: try Data(contentsOf: url), file: url.path).sampleSize
  }

  func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

/// A run's preview grid as a PNG, written atomically (`train` and `train-sr`).
func writePreviewPNG(_ image: GreyscaleImage, to url: URL) throws {
  let raster = RasterImage(
    width: image.width, height: image.height, format: .grey, pixels: image.pixels)
  try AtomicFile.write(try PNGEncoder.encode(raster), to: url)
}
