import Diffusion
import Foundation

/// `--model` of `generate`, `eval` and `explain`: the folder given, else the model that ships in
/// the repository (`models/glyffuser-32`, found from wherever the binary runs).
enum ModelOption {
  static let help =
    "Model folder (from `glyffuser train`); default: the shipped \(ShippedModels.glyffuser)."

  static func folder(_ given: String?) throws -> URL {
    guard let url = optionalFolder(given) else {
      throw CLIError(
        "no --model given, and the shipped model \(ShippedModels.glyffuser) is not in this "
          + "checkout: pass --model DIR (`make demo` trains one into runs/demo/model)")
    }
    return url
  }

  /// For commands where a model is optional: the shipped one when present.
  static func optionalFolder(_ given: String?) -> URL? {
    if let given { return URL(fileURLWithPath: given) }
    let shipped = ShippedModels.locate(ShippedModels.glyffuser)
    return FileManager.default.fileExists(atPath: shipped.path) ? shipped : nil
  }
}
