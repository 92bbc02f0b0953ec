/// Sampler names as users of diffusers and k-diffusion know them (`--sampler` of `generate`,
/// `eval`, `explain`), each mapped to our sampler and its variant.
public enum SamplerName: String, Sendable, CaseIterable, Codable {
  case ddpm, ddim, euler, heun, unipc
  case dpmpp2m = "dpmpp-2m"
  case dpmppSDE = "dpmpp-sde"
  case eulerA = "euler-a"

  /// Settings for this sampler on `schedule` (the model's prediction type is set by the caller).
  public func settings(schedule: NoiseSchedule) -> SamplerSettings {
    let kind: SamplerKind =
      switch self {
      case .ddpm: .ddpm
      case .ddim: .ddim
      case .euler: .euler
      case .heun: .heun
      case .unipc: .uniPC
      case .dpmpp2m, .dpmppSDE: .dpmSolverMultistep
      case .eulerA: .eulerAncestral
      }
    var s = SamplerSettings(kind: kind, schedule: schedule)
    if self == .dpmppSDE { s.dpmVariant = .sde }
    return s
  }
}
