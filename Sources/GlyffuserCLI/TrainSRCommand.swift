import ArgumentParser
import Diffusion
import Foundation
import GlyphData
import Imaging
import NN
import Tensors

/// `glyffuser train-sr`: trains the super-resolution stage (a `UNet2DModel` that lifts glyphs by
/// `--factor`) on crops of a high-resolution data set paired with their box downsamples. The
/// same run folder as `train`: metrics.jsonl, preview grids (input, output, real glyph),
/// checkpoints with exact `--resume`, the NaN guard, and the EMA stage folder RUN/model.
struct TrainSRCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train-sr",
    abstract: "Train the super-resolution stage (e.g. 32 → 128 px) on a high-resolution data set.")

  @Option(help: "Data set directory at the output size (e.g. built with --size 128).")
  var dataset: String
  @Option(help: "Run directory (metrics, samples, checkpoints, model).") var out: String
  @Option(help: "Output side ÷ input side.") var factor = 4
  @Option(help: "Side of the training crops in pixels.") var crop = 64
  @Option(
    help: "Largest noise level (in the −1…1 scale) added to the low-resolution input in training.")
  var augmentation: Float = 0.1
  @Option(
    help:
      "regression (one call, L2 loss) or diffusion (a denoiser, sampled in steps); regression is the default because it measured better and 10× cheaper per glyph on glyphs (docs/RESULTS.md, \"128 px\")."
  )
  var objective = SuperResolutionSettings.Objective.regression
  @Option(help: "Block output channels, comma-separated (one per resolution level).")
  var channels = "32,64,128"
  @Option(help: "ResNet layers per down block.") var layers = 1
  @Option(help: "GroupNorm groups.") var groups = 8
  @Option(help: "Stop after N optimiser steps.") var steps: Int?
  @Option(help: "Stop after M minutes of wall-clock time.") var minutes: Double?
  @Option(help: "Crops per step.") var batch = 16
  @Option(help: "Peak learning rate.") var lr: Float = 5e-4
  @Option(help: "Linear warm-up steps.") var warmup = 100
  @Option(help: "Prediction target: epsilon, v_prediction or sample.")
  var prediction = PredictionType.vPrediction
  @Option(help: "Min-SNR-γ loss weighting of a diffusion stage (0 = off).") var minSnrGamma: Float =
    5
  @Option(help: "EMA decay.") var emaDecay: Float = 0.999
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?
  @Flag(help: "Continue from the newest checkpoint in --out.") var resume = false
  @Option(help: "Checkpoint every N steps.") var checkpointEvery = 250
  @Option(help: "Keep the newest K checkpoints.") var keep = 2
  @Option(help: "Preview grid every N steps (0 = never).") var sampleEvery = 1000
  @Option(help: "Validation loss every N steps (0 = never).") var valEvery = 500
  @Option(help: "Held-out glyphs in the validation loss.") var valImages = 128
  @Option(help: "Random seed (initial weights and every stream).") var seed: UInt64 = 0

  func validate() throws {
    guard [steps != nil, minutes != nil].filter({ $0 }).count == 1 || resume else {
      throw ValidationError("give one of --steps, --minutes")
    }
    guard (2...16).contains(factor) else { throw ValidationError("--factor must be 2…16") }
    guard minSnrGamma.isFinite, minSnrGamma >= 0 else {
      throw ValidationError("--min-snr-gamma must be ≥ 0 (0 = off)")
    }
    guard (1...8).contains(layers), (1...1024).contains(groups) else {
      throw ValidationError("--layers must be 1…8 and --groups 1…1024")
    }
    _ = try blockChannels()
  }

  func blockChannels() throws -> [Int] {
    let parts = channels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.count <= 6, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw ValidationError("--channels: 1 to 6 positive integers, e.g. 32,64,128")
    }
    return parts.map { $0! }
  }

  func makeConfig(precision: Precision) -> TrainingConfig {
    var c = TrainingConfig()
    c.seed = seed
    c.batchSize = batch
    c.duration = steps.map { .steps($0) } ?? minutes.map { .minutes($0) } ?? .steps(1000)
    c.learningRate = lr
    c.warmupSteps = warmup
    c.precision = precision.rawValue
    c.checkpointEvery = checkpointEvery
    c.keepCheckpoints = keep
    c.sampleEvery = sampleEvery
    c.validationEvery = valEvery
    c.validationImages = valImages
    c.emaDecay = emaDecay
    c.prediction = prediction
    c.lossWeighting = minSnrGamma > 0 ? .minSNR(gamma: minSnrGamma) : .uniform
    c.captionDropout = 0
    c.superResolution = SuperResolutionSettings(
      factor: factor, crop: crop, augmentation: augmentation, objective: objective)
    // v-prediction needs a schedule that reaches zero SNR to be worth it (Lin et al. 2023);
    // the stage's schedule is the default otherwise.
    if prediction == .vPrediction {
      c.noise = TrainingNoise(betaSchedule: "linear", zeroTerminalSNR: true, logSNRShift: 0)
    }
    return c
  }

  func run() throws {
    let runDir = URL(fileURLWithPath: out, isDirectory: true)
    let data: GlyphDataset
    do {
      data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset, isDirectory: true))
    } catch { throw CLIError("\(error)") }
    do {
      let images = try TrainingImages(dataset: data)
      let trainer: Trainer
      var precisionReason: String?
      if resume, let latest = TrainingCheckpoint.latest(run: runDir) {
        let stored = try TrainingCheckpoint.storedConfig(at: latest)
        guard let settings = stored.superResolution else {
          throw CLIError("\(latest.path) is not a super-resolution run (use `glyffuser train`)")
        }
        trainer = try TrainingCheckpoint.resume(
          from: latest, examples: try SuperResolutionPairs(images: images, settings: settings),
          duration: steps.map { .steps($0) } ?? minutes.map { .minutes($0) })
        log("resuming \(latest.path) at step \(trainer.state.step)")
        precisionReason = adoptCheckpointPrecision(of: trainer, requested: precision)
      } else {
        if resume { log("no checkpoint in \(runDir.path): starting a new run") }
        let resolved = try PrecisionFlag.apply(precision, for: .training)
        precisionReason = resolved.reason
        let config = makeConfig(precision: resolved.precision)
        let unetConfig = UNetConfig.unconditional(
          sampleSize: data.size, inChannels: 2, blockOutChannels: try blockChannels(),
          layersPerBlock: layers, normGroups: groups)
        var rng = RandomStream(seed: seed, name: "init")
        let model: UNet2DConditionModel
        do { model = try UNet2DConditionModel(unetConfig, stream: &rng) } catch {
          throw CLIError("\(error)")
        }
        trainer = try Trainer(
          model: model, config: config,
          examples: try SuperResolutionPairs(images: images, settings: config.superResolution!))
        log(
          "training the \(data.size / factor) → \(data.size) px stage (\(model.parameterCount) "
            + "parameters) on \(crop) px crops of \(data.count) glyphs, batch \(batch), "
            + config.precision)
      }
      let settings = trainer.config.superResolution!
      let run = try TrainingRun(trainer: trainer, directory: runDir)
      run.precisionReason = precisionReason
      run.writeImage = writePreviewPNG
      let interrupt = InterruptFlag()
      run.shouldStop = { interrupt.isSet }
      run.superResolutionRecord = SuperResolutionStage.Record(
        factor: settings.factor, lowResolution: data.size / settings.factor,
        trainingAugmentation: settings.augmentation, sampleAugmentation: 0,
        objective: settings.objective)
      let history = try run.run()
      FileHandle.standardError.write(Data("\n".utf8))
      log("EMA stage: \(run.modelDirectory.path)")
      if let last = history.last {
        log(String(format: "done: step %d, loss %.4f", last.step, last.loss))
      }
    } catch let error as TrainingError {
      FileHandle.standardError.write(Data("\n".utf8))
      throw CLIError("\(error)")
    }
  }

  func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

extension SuperResolutionSettings.Objective: ExpressibleByArgument {}
