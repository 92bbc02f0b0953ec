import Diffusion
import Foundation
import Tensors

/// `Fixtures/schedulers.json`, written by `scripts/reference/schedulers.py`
/// (diffusers 0.42.1, torch 2.13.0+cpu, seeded).
struct SchedulerFixtures: Decodable {
  struct Schedule: Decodable {
    var name: String
    var config: SchedulerConfig
    var betas: [Double]
    var alphas_cumprod: [Double]
  }
  struct Table: Decodable {
    var scheduler: String
    var config: SchedulerConfig
    var steps: Int
    var timesteps: [Double]
    var sigmas: [Double]?
    var init_noise_sigma: Double
  }
  struct Loop: Decodable {
    var name: String
    var scheduler: String
    var config: SchedulerConfig
    var steps: Int
    var eta: Double?
    var shape: [Int]
    var x_T_unit: [Float]
    var init_noise_sigma: Double
    var noise: [[Float]]
    var model_timesteps: [Double]
    var samples: [[Float]]
    var pred_x0: [[Float]]
    /// nil when diffusers' last step is NaN (`diffusers_nan_last_step`).
    var final: [Float]?
    var diffusers_nan_last_step: Bool
  }
  var schedules: [Schedule]
  var tables: [Table]
  var loops: [Loop]

  static let shared: SchedulerFixtures = {
    let url = Bundle.module.url(
      forResource: "schedulers", withExtension: "json", subdirectory: "Fixtures")!
    return try! JSONDecoder().decode(SchedulerFixtures.self, from: Data(contentsOf: url))
  }()

  /// The fixture's scheduler key → diffusers class name.
  static func className(_ key: String) -> String {
    [
      "ddpm": "DDPMScheduler", "ddim": "DDIMScheduler",
      "dpmsolver_multistep": "DPMSolverMultistepScheduler", "euler": "EulerDiscreteScheduler",
      "euler_ancestral": "EulerAncestralDiscreteScheduler", "heun": "HeunDiscreteScheduler",
      "unipc": "UniPCMultistepScheduler",
    ][key]!
  }

  /// Typed settings for a fixture entry (through the diffusers JSON edge).
  static func settings(_ key: String, _ config: SchedulerConfig) throws -> SamplerSettings {
    var c = config
    c.className = className(key)
    return try c.settings()
  }
}

/// Largest |a − e| / max(|e|, floor) over the elements; `floor` keeps exact zeros comparable.
func maxRelativeError<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
  _ actual: [A], _ expected: [E], floor: Double = 1e-6
) -> Double {
  precondition(actual.count == expected.count, "\(actual.count) vs \(expected.count) values")
  var worst = 0.0
  for (a, e) in zip(actual, expected) {
    let (da, de) = (Double(a), Double(e))
    if da == de { continue }
    if da.isNaN || de.isNaN { return .infinity }
    worst = max(worst, abs(da - de) / max(abs(de), floor))
  }
  return worst
}

/// max|a − e| / max|e| (relative error in the ∞-norm).
func normwiseRelativeError(_ actual: [Float], _ expected: [Float]) -> Double {
  precondition(actual.count == expected.count, "\(actual.count) vs \(expected.count) values")
  var diff = 0.0
  var scale = 0.0
  for (a, e) in zip(actual, expected) {
    if a.isNaN != e.isNaN { return .infinity }
    diff = max(diff, abs(Double(a) - Double(e)))
    scale = max(scale, abs(Double(e)))
  }
  return scale == 0 ? diff : diff / scale
}
