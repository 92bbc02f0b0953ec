import Foundation
import Tensors
import Testing

@testable import Diffusion

@Test(arguments: SamplerKind.allCases)
func stepCountsOutsideOneToTAreRejected(kind: SamplerKind) throws {
  let settings = SamplerSettings(kind: kind, schedule: try NoiseSchedule(.ho2020))
  #expect(throws: ScheduleError.invalidStepCount(steps: 0, trainTimesteps: 1000)) {
    try settings.makeSampler(steps: 0)
  }
  #expect(throws: ScheduleError.invalidStepCount(steps: 1001, trainTimesteps: 1000)) {
    try settings.makeSampler(steps: 1001)
  }
  // Every count 1…T is accepted, including both ends.
  #expect(try settings.makeSampler(steps: 1).stepCount == 1)
  #expect(try settings.makeSampler(steps: 1000).stepCount == 1000)
  let message = "\(ScheduleError.invalidStepCount(steps: 0, trainTimesteps: 1000))"
  #expect(message.contains("between 1 and 1000"))
}

@Test func unknownNamesInAConfigFileAreRejectedWithTheValidOnes() throws {
  let json = #"{"_class_name": "DDIMScheduler", "beta_schedule": "cosine"}"#
  let config = try SchedulerConfig.decode(Data(json.utf8), source: "scheduler_config.json")
  let expected = ConfigError.unknownValue(
    key: "beta_schedule", value: "cosine", valid: ["linear", "scaled_linear", "squaredcos_cap_v2"])
  #expect(throws: expected) { try config.settings() }
  #expect("\(expected)".contains("valid values: linear, scaled_linear, squaredcos_cap_v2"))

  var bad = SchedulerConfig(className: "PNDMScheduler")
  #expect(throws: ConfigError.self) { try bad.settings() }
  bad.className = "EulerDiscreteScheduler"
  bad.timestepSpacing = "uniform"
  #expect(
    throws: ConfigError.unknownValue(
      key: "timestep_spacing", value: "uniform", valid: ["leading", "trailing", "linspace"])
  ) {
    try bad.settings()
  }
  bad.timestepSpacing = nil
  bad.predictionType = "flow_prediction"
  #expect(throws: ConfigError.self) { try bad.settings() }
  bad.predictionType = nil
  bad.useExponentialSigmas = true
  #expect(throws: ConfigError.unsupported(key: "use_exponential_sigmas", value: "true")) {
    try bad.settings()
  }
}

@Test func malformedConfigNamesFileAndKey() {
  let json = #"{"_class_name": "DDPMScheduler", "num_train_timesteps": "many"}"#
  do {
    _ = try SchedulerConfig.decode(Data(json.utf8), source: "unet/scheduler_config.json")
    Issue.record("decoded a string as Int")
  } catch {
    let text = "\(error)"
    #expect(text.contains("unet/scheduler_config.json"))
    #expect(text.contains("num_train_timesteps"))
  }
}

@Test func diffusersConfigDefaultsPerClass() throws {
  // Stable Diffusion v1.5's scheduler_config.json fields (PNDM there; read as DDIM here).
  let json = #"""
    {"_class_name": "DDIMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
     "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
     "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "clip_sample": false}
    """#
  let s = try SchedulerConfig.decode(Data(json.utf8)).settings()
  #expect(s.kind == .ddim)
  #expect(s.schedule.betaSchedule == .stableDiffusion)
  #expect(s.spacing == .leading && s.stepsOffset == 1 && !s.finalAlphaIsOne)
  #expect(s.x0Processing == .none)
  // DDPM clips x0 to [−1, 1] by default, as diffusers does.
  #expect(
    try SchedulerConfig(className: "DDPMScheduler").settings().x0Processing == .clip(range: 1))
  let heun = try SchedulerConfig(className: "HeunDiscreteScheduler").settings()
  #expect(heun.schedule.betaSchedule == .linear(start: 0.00085, end: 0.012))
  #expect(heun.spacing == .linspace)
}

@Test func invalidScheduleAndEtaAreRejected() throws {
  #expect(throws: ScheduleError.invalidTrainTimesteps(0)) { try NoiseSchedule(trainTimesteps: 0) }
  #expect(throws: ScheduleError.invalidBetaRange(start: -1, end: 0.02)) {
    try NoiseSchedule(.linear(start: -1, end: 0.02))
  }
  #expect(throws: ScheduleError.customBetaCount(got: 2, expected: 10)) {
    try NoiseSchedule(.custom([0.1, 0.2]), trainTimesteps: 10)
  }
  let s = try NoiseSchedule(.ho2020)
  #expect(throws: ScheduleError.invalidEta(-0.5)) {
    try DDIMSampler(grid: try DiscreteTimestepGrid(schedule: s, steps: 10), eta: -0.5)
  }
  // leading spacing with an offset that walks off the grid.
  #expect(throws: ScheduleError.self) {
    try DiscreteTimestepGrid(schedule: s, steps: 1000, stepsOffset: 1)
  }
}

@Test func trajectoryReportsEveryStepAndCanAbort() throws {
  struct Stop: Error {}
  let s = try NoiseSchedule(.ho2020)
  let sampler = EulerSampler(
    grid: try VarianceExplodingGrid(schedule: s, steps: 8, placement: .euler))
  let denoiser = Denoiser { x, _ in Tensor(shape: x.shape, scalars: x.scalars.map { 0.5 * $0 }) }
  var rng = TestNormals(state: 1)
  var seen: [TrajectoryStep] = []
  _ = try sampler.sample(
    fromUnitNoise: rng.next(shape: [1, 2, 2, 1]), denoiser: denoiser, noise: &rng
  ) { seen.append($0) }
  #expect(seen.map(\.index) == Array(0..<8))
  #expect(seen.map(\.timestep) == sampler.timesteps)
  #expect(seen.last!.sampleScale == 1)  // σ_n = 0
  var count = 0
  #expect(throws: Stop.self) {
    _ = try sampler.sample(
      fromUnitNoise: rng.next(shape: [1, 2, 2, 1]), denoiser: denoiser, noise: &rng
    ) { _ in
      count += 1
      if count == 3 { throw Stop() }
    }
  }
  #expect(count == 3)
}

/// Any step count 1…T samples to finite values (DPM-Solver at n ≈ T repeats rounded timesteps,
/// where diffusers divides by a zero log-SNR step).
@Test(arguments: SamplerKind.allCases)
func extremeStepCountsStayFinite(kind: SamplerKind) throws {
  let settings = SamplerSettings(kind: kind, schedule: try NoiseSchedule(.ho2020))
  let denoiser = Denoiser { x, _ in Tensor(shape: x.shape, scalars: x.scalars.map { 0.1 * $0 }) }
  for steps in [1, 2, 999, 1000] {
    var rng = TestNormals(state: UInt64(steps))
    let sampler = try settings.makeSampler(steps: steps)
    let x = try sampler.sample(
      fromUnitNoise: rng.next(shape: [1, 2, 2, 1]), denoiser: denoiser, noise: &rng)
    #expect(x.scalars.allSatisfy { $0.isFinite }, "\(kind) with \(steps) steps")
  }
}

/// A Philox `sample` stream drives the stochastic samplers reproducibly: same seed, same result;
/// another seed, another result.
@Test(arguments: [SamplerKind.ddpm, .eulerAncestral, .dpmSolverMultistep])
func samplingIsReproducibleFromASeed(kind: SamplerKind) throws {
  var settings = SamplerSettings(kind: kind, schedule: try NoiseSchedule(.ho2020))
  settings.dpmVariant = .sde
  let sampler = try settings.makeSampler(steps: 12)
  let denoiser = Denoiser { x, _ in Tensor(shape: x.shape, scalars: x.scalars.map { 0.2 * $0 }) }
  func run(_ seed: UInt64) throws -> [Float] {
    var stream = RandomStream(seed: seed, name: "sample")
    let z = Tensor.randomNormal([2, 4, 4, 1], stream: &stream)
    return try sampler.sample(fromUnitNoise: z, denoiser: denoiser, noise: &stream).scalars
  }
  #expect(try run(7) == run(7))
  #expect(try run(7) != run(8))
}
