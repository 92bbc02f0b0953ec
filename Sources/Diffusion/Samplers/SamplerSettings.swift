import Foundation

/// Everything needed to build a sampler and its denoiser parameterization, typed.
/// Built in code or from a diffusers `SchedulerConfig`.
public struct SamplerSettings: Sendable, Equatable {
  public var kind: SamplerKind
  public var schedule: NoiseSchedule
  public var prediction: PredictionType = .epsilon
  public var spacing: TimestepSpacing
  public var stepsOffset = 0
  public var sigmaSpacing: SigmaSpacing = .interpolated
  public var x0Processing: X0Processing = .none
  /// DDIM η (0 = deterministic DDIM, 1 = DDPM-like); a sampling argument in diffusers.
  public var eta = 0.0
  /// DDIM `set_alpha_to_one`.
  public var finalAlphaIsOne = true
  public var ddpmVariance: DDPMSampler.Variance = .fixedSmall
  public var dpmVariant: DPMSolverMultistepSampler.Variant = .ode
  public var solverOrder = 2
  public var solverType: DPMSolverMultistepSampler.SolverType = .midpoint
  public var lowerOrderFinal = true
  public var uniPCVariant: UniPCSampler.Variant = .bh2

  public init(kind: SamplerKind, schedule: NoiseSchedule, spacing: TimestepSpacing? = nil) {
    self.kind = kind
    self.schedule = schedule
    self.spacing = spacing ?? ((kind == .ddpm || kind == .ddim) ? .leading : .linspace)
  }

  /// The sampler for `steps` steps (1…T): the grid its diffusers scheduler would use, with its
  /// update rule.
  public func makeSampler(steps: Int) throws(ScheduleError) -> any Sampler {
    if kind == .eulerAncestral, sigmaSpacing != .interpolated {
      throw .unsupported("Karras sigmas with Euler ancestral (diffusers has none)")
    }
    let placement: VarianceExplodingGrid.Placement
    switch kind {
    case .ddpm, .ddim:
      let grid = try DiscreteTimestepGrid(
        schedule: schedule, steps: steps, spacing: spacing, stepsOffset: stepsOffset)
      return kind == .ddpm
        ? DDPMSampler(grid: grid, variance: ddpmVariance)
        : try DDIMSampler(grid: grid, eta: eta, finalAlphaIsOne: finalAlphaIsOne)
    case .dpmSolverMultistep: placement = .dpmSolver
    case .uniPC: placement = .uniPC
    case .euler, .eulerAncestral, .heun: placement = .euler
    }
    let grid = try VarianceExplodingGrid(
      schedule: schedule, steps: steps, spacing: spacing, stepsOffset: stepsOffset,
      sigmaSpacing: sigmaSpacing, placement: placement)
    switch kind {
    case .dpmSolverMultistep:
      return DPMSolverMultistepSampler(
        grid: grid, variant: dpmVariant,
        order: try MultistepOrder(solverOrder, lowerOrderFinal: lowerOrderFinal),
        solverType: solverType)
    case .uniPC:
      return UniPCSampler(
        grid: grid, variant: uniPCVariant,
        order: try MultistepOrder(solverOrder, lowerOrderFinal: lowerOrderFinal))
    case .euler: return EulerSampler(grid: grid)
    case .eulerAncestral: return EulerAncestralSampler(grid: grid)
    default: return HeunSampler(grid: grid)
    }
  }

  /// A denoiser over `model` with this prediction type and x0 processing.
  public func makeDenoiser(model: @escaping Denoiser.Model) -> Denoiser {
    Denoiser(prediction: prediction, x0Processing: x0Processing, model: model)
  }
}

extension SchedulerConfig {
  /// Typed settings, with the named class's diffusers defaults for absent keys.
  public func settings() throws(ConfigError) -> SamplerSettings {
    try checkRanges()
    let classes = SamplerKind.allCases.map(\.diffusersClassName)
    guard let name = className else {
      throw .unknownValue(key: "_class_name", value: "(missing)", valid: classes)
    }
    guard let kind = SamplerKind.allCases.first(where: { $0.diffusersClassName == name }) else {
      throw .unknownValue(key: "_class_name", value: name, valid: classes)
    }
    let heun = kind == .heun
    let start = betaStart ?? (heun ? 0.00085 : 0.0001)
    let end = betaEnd ?? (heun ? 0.012 : 0.02)
    let beta: BetaSchedule
    if let trained = trainedBetas {
      beta = .custom(trained)
    } else {
      beta = try Self.choose(
        "beta_schedule", betaSchedule ?? "linear",
        [
          ("linear", .linear(start: start, end: end)),
          ("scaled_linear", .scaledLinear(start: start, end: end)),
          ("squaredcos_cap_v2", .cosine()),
        ])
    }
    let schedule: NoiseSchedule
    do {
      schedule = try NoiseSchedule(
        beta, trainTimesteps: numTrainTimesteps ?? 1000,
        rescaleToZeroTerminalSNR: rescaleBetasZeroSnr ?? false)
    } catch { throw .invalid(error) }

    var s = SamplerSettings(kind: kind, schedule: schedule)
    s.prediction = try Self.choose(
      "prediction_type", predictionType ?? "epsilon",
      PredictionType.allCases.map { ($0.rawValue, $0) })
    if let sp = timestepSpacing {
      s.spacing = try Self.choose(
        "timestep_spacing", sp, TimestepSpacing.allCases.map { ($0.rawValue, $0) })
    }
    s.stepsOffset = stepsOffset ?? 0
    s.sigmaSpacing = useKarrasSigmas == true ? .karras : .interpolated
    if useKarrasSigmas == true, kind == .ddpm || kind == .ddim || kind == .eulerAncestral {
      throw .unsupported(key: "use_karras_sigmas", value: "true for \(name)")
    }
    let defaultClip = kind == .ddpm || kind == .ddim
    if thresholding == true {
      s.x0Processing = .dynamicThreshold(
        ratio: dynamicThresholdingRatio ?? 0.995, maxValue: Float(sampleMaxValue ?? 1))
    } else if clipSample ?? defaultClip {
      s.x0Processing = .clip(range: Float(clipSampleRange ?? 1))
    }
    s.finalAlphaIsOne = setAlphaToOne ?? true
    if kind == .ddpm {
      s.ddpmVariance = try Self.choose(
        "variance_type", varianceType ?? "fixed_small",
        [("fixed_small", .fixedSmall), ("fixed_large", .fixedLarge)])
    }
    if kind == .dpmSolverMultistep || kind == .uniPC {
      // Both multistep solvers: order 1 or 2 (diffusers allows 3), lower order at the end.
      s.solverOrder = solverOrder ?? 2
      guard s.solverOrder == 1 || s.solverOrder == 2 else {
        throw .unsupported(key: "solver_order", value: "\(s.solverOrder)")
      }
      s.lowerOrderFinal = lowerOrderFinal ?? true
    }
    if kind == .dpmSolverMultistep {
      s.dpmVariant = try Self.choose(
        "algorithm_type", algorithmType ?? "dpmsolver++",
        [("dpmsolver++", .ode), ("sde-dpmsolver++", .sde)])
      s.solverType = try Self.choose(
        "solver_type", solverType ?? "midpoint", [("midpoint", .midpoint), ("heun", .heun)])
      if let v = varianceType { throw .unsupported(key: "variance_type", value: v) }
    }
    if kind == .uniPC {
      s.uniPCVariant = try Self.choose(
        "solver_type", solverType ?? "bh2", [("bh1", .bh1), ("bh2", .bh2)])
      if predictX0 == false { throw .unsupported(key: "predict_x0", value: "false") }
      if let d = disableCorrector, !d.isEmpty {
        throw .unsupported(key: "disable_corrector", value: "\(d)")
      }
    }
    try rejectUnimplemented()
    return s
  }

  /// Numbers a hostile or mistaken file could set so that sampling would index past the
  /// schedule or allocate without bound; each error names its key and the allowed range.
  private func checkRanges() throws(ConfigError) {
    let t = numTrainTimesteps ?? 1000
    func outside(_ key: String, _ value: Any, _ range: String) -> ConfigError {
      .outOfRange(key: key, value: "\(value)", allowed: range)
    }
    guard (2...SchedulerConfig.maxTrainTimesteps).contains(t) else {
      throw outside("num_train_timesteps", t, "2…\(SchedulerConfig.maxTrainTimesteps)")
    }
    if let o = stepsOffset, !(0..<t).contains(o) {
      throw outside("steps_offset", o, "0…\(t - 1)")
    }
    if let r = clipSampleRange, !(r.isFinite && r > 0) {
      throw outside("clip_sample_range", r, "finite and > 0")
    }
    if let r = dynamicThresholdingRatio, !(r > 0 && r <= 1) {
      throw outside("dynamic_thresholding_ratio", r, "(0, 1]")
    }
    if let m = sampleMaxValue, !(m.isFinite && m > 0) {
      throw outside("sample_max_value", m, "finite and > 0")
    }
  }

  private func rejectUnimplemented() throws(ConfigError) {
    let flags: [(String, Bool?)] = [
      ("use_exponential_sigmas", useExponentialSigmas), ("use_beta_sigmas", useBetaSigmas),
      ("use_lu_lambdas", useLuLambdas), ("euler_at_final", eulerAtFinal),
    ]
    for (key, value) in flags where value == true {
      throw .unsupported(key: key, value: "true")
    }
    if let f = finalSigmasType, f != "zero" {
      throw .unsupported(key: "final_sigmas_type", value: f)
    }
    if let i = interpolationType, i != "linear" {
      throw .unsupported(key: "interpolation_type", value: i)
    }
    if let t = timestepType, t != "discrete" { throw .unsupported(key: "timestep_type", value: t) }
  }

  private static func choose<T>(_ key: String, _ value: String, _ options: [(String, T)])
    throws(ConfigError) -> T
  {
    guard let hit = options.first(where: { $0.0 == value }) else {
      throw .unknownValue(key: key, value: value, valid: options.map(\.0))
    }
    return hit.1
  }
}
