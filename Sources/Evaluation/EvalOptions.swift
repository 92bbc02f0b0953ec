import Diffusion

/// Settings of one `glyffuser eval`. Defaults finish in minutes for the `tiny` preset on two
/// cores (docs/RESULTS.md gives the cost).
public struct EvalOptions: Sendable, Codable, Equatable {
  /// Held-out characters (validation split, labelled), chosen by a fixed hash order.
  public var characters = 512
  /// Generated glyphs per held-out definition.
  public var perPrompt = 2
  public var sampler = SamplerName.dpmpp2m
  public var steps = 20
  public var guidance: Float = 3
  public var seed: UInt64 = 0
  /// Glyphs per U-Net batch (guidance doubles the rows).
  public var batch = 64
  /// Unconditional samples (empty prompt) for the adherence floor (sample i is scored against
  /// character i mod N's radical); nil: min(N, 256) — the floor is near the prior's Σp² ≈ 0.02,
  /// which 256 samples pin to about ±0.01, at a fifth of the held-out glyphs' cost.
  public var unconditional: Int?
  /// Glyphs per family prompt (`FamilyPrompt.table`); 0 skips the family table.
  public var perFamily = 8

  public init() {}

  enum CodingKeys: String, CodingKey {
    case characters, sampler, steps, guidance, seed, batch, unconditional
    case perPrompt = "per_prompt"
    case perFamily = "per_family"
  }

  public var unconditionalCount: Int { unconditional ?? min(characters, 256) }

  /// Every count is range-checked here, at the edge, before any work.
  public func validate() throws {
    func check(_ ok: Bool, _ why: String) throws {
      if !ok { throw EvaluationError.invalidOption(why) }
    }
    try check((8...100_000).contains(characters), "--characters must be 8–100,000")
    try check((1...64).contains(perPrompt), "--per-prompt must be 1–64")
    try check((1...1000).contains(steps), "--steps must be 1–1000")
    try check(guidance.isFinite && guidance >= 0 && guidance <= 100, "--guidance must be 0–100")
    try check((1...1024).contains(batch), "--batch must be 1–1024")
    try check((0...64).contains(perFamily), "--per-family must be 0–64")
    if let unconditional {
      try check((2...100_000).contains(unconditional), "--unconditional must be 2–100,000")
    }
  }
}
