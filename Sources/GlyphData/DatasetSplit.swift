/// Train/validation membership of a character.
public enum DatasetSplit: String, Sendable, Codable, CaseIterable {
  case train
  case validation

  /// Percentage of code points in the validation split.
  public static let validationPercent: UInt64 = 5

  /// Deterministic split by a hash of the code point alone, so it is the same across runs,
  /// image sizes, fonts and `--limit`: validation iff splitmix64(codepoint) mod 100 < 5.
  /// splitmix64 is Steele, Lea & Flood's finaliser (as in `java.util.SplittableRandom`).
  public static func of(_ codepoint: UInt32) -> DatasetSplit {
    splitmix64(UInt64(codepoint)) % 100 < validationPercent ? .validation : .train
  }

  public static func splitmix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
