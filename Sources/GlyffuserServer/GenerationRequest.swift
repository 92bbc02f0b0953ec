import Diffusion

/// What a client asks `/api/generate` for, read from the query string and checked field by field
/// before any work starts: the same limits as `glyffuser generate` (prompt at most 1,000
/// characters here, since it travels in a URL), so no request can choose an unbounded loop.
public struct GenerationRequest: Sendable, Equatable, Codable {
  public var prompt: String
  public var count: Int
  public var steps: Int
  public var guidance: Float
  public var seed: UInt64
  public var sampler: SamplerName

  public static let maxCount = 16
  public static let maxPromptCharacters = 1_000

  public init(
    prompt: String, count: Int = 4, steps: Int = 20, guidance: Float = 3, seed: UInt64 = 0,
    sampler: SamplerName = .dpmpp2m
  ) {
    self.prompt = prompt
    self.count = count
    self.steps = steps
    self.guidance = guidance
    self.seed = seed
    self.sampler = sampler
  }

  /// From query parameters (`get(name)` returns the raw value or nil); absent fields take the
  /// defaults of `glyffuser generate`, a random seed is drawn by the caller when `seed` is absent.
  public init(query get: (String) -> String?, randomSeed: () -> UInt64) throws(RequestError) {
    func number<T: LosslessStringConvertible>(_ field: String, _ fallback: T) throws(RequestError)
      -> T
    {
      guard let raw = get(field) else { return fallback }
      guard let value = T(raw) else {
        throw .invalid(field: field, "not a number: \(raw.prefix(40))")
      }
      return value
    }
    guard let prompt = get("prompt") else { throw .invalid(field: "prompt", "missing") }
    self.init(prompt: prompt)
    count = try number("count", count)
    steps = try number("steps", steps)
    guidance = try number("guidance", guidance)
    seed =
      try get("seed").map { raw throws(RequestError) in
        guard let value = UInt64(raw) else { throw .invalid(field: "seed", "not a number") }
        return value
      } ?? randomSeed()
    if let raw = get("sampler") { sampler = try Self.sampler(raw) }
    try validate()
  }

  /// The sampler a client named, or a 400 listing the names.
  static func sampler(_ raw: String) throws(RequestError) -> SamplerName {
    guard let name = SamplerName(rawValue: raw) else {
      let names = SamplerName.allCases.map(\.rawValue).joined(separator: ", ")
      throw .invalid(field: "sampler", "unknown: \(raw.prefix(40)) (one of \(names))")
    }
    return name
  }

  public func validate() throws(RequestError) {
    guard prompt.count <= Self.maxPromptCharacters else {
      throw .invalid(field: "prompt", "longer than \(Self.maxPromptCharacters) characters")
    }
    guard (1...Self.maxCount).contains(count) else {
      throw .invalid(field: "count", "must be in 1…\(Self.maxCount), got \(count)")
    }
    guard (1...1000).contains(steps) else {
      throw .invalid(field: "steps", "must be in 1…1000, got \(steps)")
    }
    guard guidance.isFinite, (0...30).contains(guidance) else {
      throw .invalid(field: "guidance", "must be in 0…30, got \(guidance)")
    }
  }
}

/// A request the server refuses, naming the field (HTTP 400).
public enum RequestError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalid(field: String, String)

  public var description: String {
    switch self {
    case .invalid(let field, let why): "\(field): \(why)"
    }
  }
}
