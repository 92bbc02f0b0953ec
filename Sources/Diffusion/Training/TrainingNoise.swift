import Foundation

/// The forward process a run trains on, written into the exported model's
/// `scheduler_config.json` so that sampling uses exactly the same ᾱ table.
///
/// - `betaSchedule`: diffusers' names — "linear" (Ho et al. 2020, 1e-4 → 0.02),
///   "scaled_linear" (Stable Diffusion, 0.00085 → 0.012), "squaredcos_cap_v2" (Nichol &
///   Dhariwal 2021).
/// - `zeroTerminalSNR`: β rescaled so ᾱ_{T−1} = 0 and sampling starts from pure noise with
///   "trailing" timesteps (Lin et al. 2023, Algorithm 1 and §3.3). The model must then predict v
///   (ε carries no information about x0 at zero SNR).
/// - `logSNRShift`: every log-SNR moved by s, λ'_t = λ_t + s, so ᾱ'_t = sigmoid(λ_t + s)
///   (Hoogeboom et al. 2023, "simple diffusion", §3.1: a schedule designed at resolution 64 is
///   shifted by 2·log(64/d) at resolution d; positive means less noise). diffusers has no such
///   key, so a shifted schedule is written as `trained_betas`.
public struct TrainingNoise: Sendable, Codable, Equatable {
  public var betaSchedule = "linear"
  public var zeroTerminalSNR = false
  public var logSNRShift = 0.0

  public static let betaSchedules = ["linear", "scaled_linear", "squaredcos_cap_v2"]

  public init(
    betaSchedule: String = "linear", zeroTerminalSNR: Bool = false, logSNRShift: Double = 0
  ) {
    self.betaSchedule = betaSchedule
    self.zeroTerminalSNR = zeroTerminalSNR
    self.logSNRShift = logSNRShift
  }

  /// The simple-diffusion shift for a schedule designed at 64 px used at `size` px.
  public static func simpleDiffusionShift(size: Int) -> Double { 2 * log(64 / Double(size)) }

  /// Checks the fields; the error names the field.
  public func validate(prediction: PredictionType) throws(TrainingError) {
    guard Self.betaSchedules.contains(betaSchedule) else {
      throw .invalidConfig(
        field: "betaSchedule",
        "unknown \"\(betaSchedule)\" (valid: \(Self.betaSchedules.joined(separator: ", ")))")
    }
    guard logSNRShift.isFinite, abs(logSNRShift) <= 10 else {
      throw .invalidConfig(field: "logSNRShift", "must be finite, within ±10, got \(logSNRShift)")
    }
    if zeroTerminalSNR, prediction != .vPrediction {
      throw .invalidConfig(
        field: "zeroTerminalSNR",
        "needs v-prediction (at zero SNR an ε-prediction says nothing about the image)")
    }
  }

  /// The DDPM scheduler config of this process (what `RUN/model/scheduler_config.json` holds).
  public func schedulerConfig(trainTimesteps: Int, prediction: PredictionType) throws
    -> SchedulerConfig
  {
    var c = SchedulerConfig(className: "DDPMScheduler")
    c.numTrainTimesteps = trainTimesteps
    c.predictionType = prediction.rawValue
    c.clipSample = false
    switch betaSchedule {
    case "linear": (c.betaStart, c.betaEnd) = (1e-4, 0.02)
    case "scaled_linear": (c.betaStart, c.betaEnd) = (0.00085, 0.012)
    default: break
    }
    c.betaSchedule = betaSchedule
    if logSNRShift != 0 {
      let base = try c.settings().schedule
      c.trainedBetas = Self.shiftedBetas(base.alphasCumprod, shift: logSNRShift)
      c.betaSchedule = nil
      c.betaStart = nil
      c.betaEnd = nil
    }
    if zeroTerminalSNR {
      c.rescaleBetasZeroSnr = true
      c.timestepSpacing = "trailing"
    }
    return c
  }

  /// β'_t = 1 − ᾱ'_t/ᾱ'_{t−1} with ᾱ'_t = sigmoid(logit(ᾱ_t) + shift) (ᾱ'_{−1} = 1).
  static func shiftedBetas(_ alphasCumprod: [Double], shift: Double) -> [Double] {
    let shifted = alphasCumprod.map { a -> Double in
      let logit = log(a) - log1p(-a)
      return 1 / (1 + exp(-(logit + shift)))
    }
    var previous = 1.0
    return shifted.map { a in
      defer { previous = a }
      return 1 - a / previous
    }
  }
}
