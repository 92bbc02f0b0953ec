#if canImport(Glibc)
  import Glibc
#endif

/// Arithmetic used inside convolutions and matrix products.
///
/// `.f32`: fp32 operands, fp32 accumulation. `.bf16`: operands rounded to bfloat16
/// (round-to-nearest-even), products accumulated in fp32, fp32 results. Master
/// weights and activations stay fp32 in memory either way.
public enum Precision: String, Sendable, CaseIterable, Codable {
  case f32, bf16
}

/// What the CPU can do, read once from the `flags` line of `/proc/cpuinfo` (Linux).
///
/// On other systems (or if the file cannot be read) every flag is `false`, which only
/// makes ``defaultPrecision`` pick `.f32`; oneDNN still dispatches by itself at run time.
public enum CPUFeatures {
  private static let flags: Set<String> = readCPUFlags()

  public static let hasAVX2: Bool = flags.contains("avx2")
  public static let hasAVX512: Bool = flags.contains("avx512f")
  public static let hasAVX512BF16: Bool = flags.contains("avx512_bf16")
  public static let hasAMXBF16: Bool = flags.contains("amx_bf16")

  /// The CPU's `model name` from /proc/cpuinfo ("" when unreadable).
  public static let modelName: String = {
    guard let text = readSmallTextFile("/proc/cpuinfo") else { return "" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
      return String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
    return ""
  }()

  /// The instruction-set flags the engine's speed depends on that this CPU has, in a fixed
  /// order (a precision calibration is only reused where they are the same).
  public static let speedFlags: [String] = [
    "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16",
  ].filter { flags.contains($0) }

  /// bf16 products run natively (AVX512-BF16 dot products or AMX tiles).
  public static var bf16IsFast: Bool { hasAVX512BF16 || hasAMXBF16 }

  /// `.bf16` where ``bf16IsFast``, `.f32` elsewhere. The environment variable
  /// `GLYFFUSER_PRECISION=f32|bf16` overrides (read once; unknown values are ignored).
  public static var defaultPrecision: Precision { resolvedDefault }

  private static let resolvedDefault: Precision = {
    if let raw = getenv("GLYFFUSER_PRECISION"),
      let chosen = Precision(rawValue: String(cString: raw).lowercased())
    {
      return chosen
    }
    return bf16IsFast ? .bf16 : .f32
  }()

  /// The union of every `flags` line in `/proc/cpuinfo` (empty when unreadable).
  static func readCPUFlags(path: String = "/proc/cpuinfo") -> Set<String> {
    guard let text = readSmallTextFile(path) else { return [] }
    var result = Set<String>()
    for line in text.split(separator: "\n") where line.hasPrefix("flags") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      for flag in line[line.index(after: colon)...].split(separator: " ") {
        result.insert(String(flag))
      }
      break  // every core reports the same flags
    }
    return result
  }

  private static func readSmallTextFile(_ path: String) -> String? {
    #if canImport(Glibc)
      guard let file = fopen(path, "r") else { return nil }
      defer { fclose(file) }
      var bytes: [UInt8] = []
      var chunk = [UInt8](repeating: 0, count: 16384)
      while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > 1 << 22 { break }
      }
      return String(decoding: bytes, as: UTF8.self)
    #else
      return nil
    #endif
  }
}
