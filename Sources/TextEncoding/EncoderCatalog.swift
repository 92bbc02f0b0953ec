import Foundation

/// Where text encoders live and which ones the project knows by name.
public enum EncoderCatalog {
  /// The default encoder (sentence-transformers/all-MiniLM-L6-v2: 6 layers, 384-d).
  public static let defaultName = "all-MiniLM-L6-v2"

  /// Published SHA-256 of `model.safetensors` for encoders fetched by `scripts/fetch-encoder`.
  public static let knownSHA256: [String: String] = [
    "all-MiniLM-L6-v2": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  ]

  /// `$GLYFFUSER_ENCODERS`, else `~/.cache/glyffuser/encoders`.
  public static var cacheDirectory: URL {
    if let env = ProcessInfo.processInfo.environment["GLYFFUSER_ENCODERS"], !env.isEmpty {
      return URL(fileURLWithPath: env, isDirectory: true)
    }
    return FileManager.default.homeDirectoryForCurrentUser
      .appendingPathComponent(".cache/glyffuser/encoders", isDirectory: true)
  }

  /// A path (contains "/" or names an existing folder) is used as is; a name is looked up in
  /// the cache. A missing encoder throws with the command that installs it.
  public static func resolve(_ nameOrPath: String?) throws -> URL {
    let given = nameOrPath ?? defaultName
    var isDir: ObjCBool = false
    if given.contains("/") || FileManager.default.fileExists(atPath: given, isDirectory: &isDir) {
      let url = URL(fileURLWithPath: given, isDirectory: true)
      guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path)
      else {
        throw TextEncodingError.missingFile(
          path: url.appendingPathComponent("config.json").path,
          hint: "An encoder folder is a Hugging Face model folder (config.json, model.safetensors, "
            + "vocab.txt or spiece.model).")
      }
      return url
    }
    let url = cacheDirectory.appendingPathComponent(given, isDirectory: true)
    guard
      FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path)
    else {
      let hint =
        given == defaultName
        ? "Run scripts/fetch-encoder (or scripts/setup) to install it."
        : "Copy a Hugging Face model folder there, or pass --encoder PATH."
      throw TextEncodingError.missingFile(path: url.path, hint: hint)
    }
    return url
  }

  /// Whether the default encoder is installed (tests that need it skip otherwise).
  public static var defaultIsInstalled: Bool {
    FileManager.default.fileExists(
      atPath: cacheDirectory.appendingPathComponent(defaultName)
        .appendingPathComponent("model.safetensors").path)
  }
}
