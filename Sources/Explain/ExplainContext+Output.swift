import Foundation
import GlyphData
import Imaging

/// Writing a figure's files, and reading the inputs it declared in `needs`.
extension ExplainContext {
  /// Writes `bytes` to `out/name` (creating `out`), returns `name`.
  @discardableResult
  public func write(_ bytes: [UInt8], as name: String) throws -> String {
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try Data(bytes).write(to: out.appendingPathComponent(name), options: .atomic)
    return name
  }

  /// Writes `image` as PNG to `out/name`, returns `name`.
  @discardableResult
  public func writePNG(_ image: RasterImage, as name: String) throws -> String {
    try write(PNGEncoder.encode(image), as: name)
  }

  /// The data set folder; throws when the figure was run without one.
  public func requireDataset(for figure: String) throws -> URL {
    guard let dataset else { throw ExplainError.missingInput(figure: figure, input: .dataset) }
    return dataset
  }

  /// The model folder; throws when the figure was run without one.
  public func requireModel(for figure: String) throws -> URL {
    guard let model else { throw ExplainError.missingInput(figure: figure, input: .model) }
    return model
  }

  /// The data set, loaded.
  public func loadDataset(for figure: String) throws -> GlyphDataset {
    try GlyphDataset(contentsOf: requireDataset(for: figure))
  }
}

public enum ExplainError: Error, CustomStringConvertible, Equatable {
  case missingInput(figure: String, input: ExplainInput)
  case unknownFigure(String, valid: [String])
  case emptyDataset(String)

  public var description: String {
    switch self {
    case .missingInput(let f, .dataset):
      "figure \(f) needs a data set: pass --dataset DIR (make one with `glyffuser dataset build`)"
    case .missingInput(let f, .model):
      "figure \(f) needs a model: pass --model DIR (from `glyffuser train` or `glyffuser init-model`)"
    case .unknownFigure(let name, let valid):
      "no figure \"\(name)\"; valid: \(valid.joined(separator: ", ")), all"
    case .emptyDataset(let path): "\(path): the data set has no glyphs"
    }
  }
}
