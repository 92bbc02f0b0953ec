import Foundation
import TensorFiles

/// A diffusers `scheduler_config.json`, field names as diffusers writes them. This is the only
/// place diffusers' strings appear: `settings()` turns it into typed `SamplerSettings`, rejecting
/// unknown values with a message that lists the valid ones, and settings this package does not
/// implement with a message naming the key. Keys that do not change the maths (e.g.
/// `_diffusers_version`, `skip_prk_steps`) are ignored. Defaults are those of the named class.
public struct SchedulerConfig: Codable, Sendable, Equatable {
  public var className: String?
  public var numTrainTimesteps: Int?
  public var betaStart: Double?
  public var betaEnd: Double?
  public var betaSchedule: String?
  public var trainedBetas: [Double]?
  public var predictionType: String?
  public var timestepSpacing: String?
  public var stepsOffset: Int?
  public var rescaleBetasZeroSnr: Bool?
  public var clipSample: Bool?
  public var clipSampleRange: Double?
  public var thresholding: Bool?
  public var dynamicThresholdingRatio: Double?
  public var sampleMaxValue: Double?
  public var setAlphaToOne: Bool?
  public var varianceType: String?
  public var algorithmType: String?
  public var solverOrder: Int?
  public var solverType: String?
  public var lowerOrderFinal: Bool?
  public var eulerAtFinal: Bool?
  public var useKarrasSigmas: Bool?
  public var useExponentialSigmas: Bool?
  public var useBetaSigmas: Bool?
  public var useLuLambdas: Bool?
  public var finalSigmasType: String?
  public var interpolationType: String?
  public var timestepType: String?
  public var predictX0: Bool?
  public var disableCorrector: [Int]?

  enum CodingKeys: String, CodingKey {
    case className = "_class_name"
    case numTrainTimesteps = "num_train_timesteps"
    case betaStart = "beta_start"
    case betaEnd = "beta_end"
    case betaSchedule = "beta_schedule"
    case trainedBetas = "trained_betas"
    case predictionType = "prediction_type"
    case timestepSpacing = "timestep_spacing"
    case stepsOffset = "steps_offset"
    case rescaleBetasZeroSnr = "rescale_betas_zero_snr"
    case clipSample = "clip_sample"
    case clipSampleRange = "clip_sample_range"
    case thresholding
    case dynamicThresholdingRatio = "dynamic_thresholding_ratio"
    case sampleMaxValue = "sample_max_value"
    case setAlphaToOne = "set_alpha_to_one"
    case varianceType = "variance_type"
    case algorithmType = "algorithm_type"
    case solverOrder = "solver_order"
    case solverType = "solver_type"
    case lowerOrderFinal = "lower_order_final"
    case eulerAtFinal = "euler_at_final"
    case useKarrasSigmas = "use_karras_sigmas"
    case useExponentialSigmas = "use_exponential_sigmas"
    case useBetaSigmas = "use_beta_sigmas"
    case useLuLambdas = "use_lu_lambdas"
    case finalSigmasType = "final_sigmas_type"
    case interpolationType = "interpolation_type"
    case timestepType = "timestep_type"
    case predictX0 = "predict_x0"
    case disableCorrector = "disable_corrector"
  }

  public init(className: String? = nil) { self.className = className }

  /// The most training timesteps a config may name (diffusers' models use 1,000).
  public static let maxTrainTimesteps = 100_000

  /// Reads and decodes a config file; decoding failures name the file and the key path.
  public static func load(from url: URL) throws(ConfigError) -> SchedulerConfig {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw .unreadable(file: url.path, reason: "\(error)")
    }
    return try decode(data, source: url.path)
  }

  /// Decodes JSON bytes; `source` names the origin in error messages.
  public static func decode(_ data: Data, source: String = "<json>") throws(ConfigError)
    -> SchedulerConfig
  {
    do { return try JSONDecoder().decode(SchedulerConfig.self, from: data) } catch {
      throw .malformed(file: source, reason: DecodingErrorText.describe(error))
    }
  }
}

/// Errors at the diffusers JSON edge.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
  case unreadable(file: String, reason: String)
  case malformed(file: String, reason: String)
  case unknownValue(key: String, value: String, valid: [String])
  case unsupported(key: String, value: String)
  case invalid(ScheduleError)
  case outOfRange(key: String, value: String, allowed: String)

  public var description: String {
    switch self {
    case .unreadable(let f, let r): return "cannot read scheduler config \(f): \(r)"
    case .malformed(let f, let r): return "malformed scheduler config \(f): \(r)"
    case .unknownValue(let k, let v, let valid):
      return "unknown \(k) \"\(v)\"; valid values: \(valid.joined(separator: ", "))"
    case .unsupported(let k, let v): return "\(k) = \(v) is not supported by this implementation"
    case .invalid(let e): return e.description
    case .outOfRange(let k, let v, let allowed): return "\(k) = \(v) is outside \(allowed)"
    }
  }
}
