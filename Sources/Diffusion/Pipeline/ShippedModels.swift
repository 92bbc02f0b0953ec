import Foundation

/// Models that ship in the repository (`models/…`), found from wherever the binary is run: the
/// path relative to the working directory when it exists there (a clone's root, as in every
/// documented command), else relative to the repository the running executable was built in
/// (`REPO/.build/<configuration>/glyffuser`, or `REPO/.build/<triple>/<configuration>/…`).
public enum ShippedModels {
  /// The text-to-glyph model `generate`, `eval` and `explain` use without `--model`.
  public static let glyffuser = "models/glyffuser-32"
  /// The super-resolution stage `generate` and `serve` put after it (32 → 128 px).
  public static let superResolution = "models/glyffuser-sr-128"
  /// The glyph judge of `glyffuser eval`.
  public static let judge = "models/judge-32"

  public static func locate(_ relative: String) -> URL {
    let here = URL(fileURLWithPath: relative)
    if FileManager.default.fileExists(atPath: here.path) { return here }
    let executable =
      Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    var dir = executable.resolvingSymlinksInPath().deletingLastPathComponent()
    // Up from the executable's folder to the folder that holds `.build`.
    for _ in 0..<4 {
      if dir.lastPathComponent == ".build" {
        let candidate = dir.deletingLastPathComponent().appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        break
      }
      dir = dir.deletingLastPathComponent()
    }
    return here
  }
}
