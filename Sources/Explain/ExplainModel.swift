import Diffusion
import Foundation
import Imaging
import Tensors
import TextEncoding

/// The model figures' generator: `GlyphGenerator` with DPM-Solver++(2M).
typealias ExplainModel = GlyphGenerator

extension GlyphGenerator {
  /// The model for `context`, loaded once per process and kept for the next model figure (`explain
  /// all` draws two; the text encoder alone takes seconds to load).
  static func shared(_ context: ExplainContext, figure: String) throws -> GlyphGenerator {
    let folder = try context.requireModel(for: figure).standardizedFileURL.path
    let key = "\(folder)|\(context.encoder ?? "")"
    return try ExplainModelCache.shared.model(for: key) {
      try GlyphGenerator(model: context.requireModel(for: figure), encoder: context.encoder)
    }
  }
}

/// One loaded model per (folder, encoder) key for the life of the process.
final class ExplainModelCache: @unchecked Sendable {
  static let shared = ExplainModelCache()
  private let lock = NSLock()
  private var models: [String: ExplainModel] = [:]

  func model(for key: String, load: () throws -> ExplainModel) throws -> ExplainModel {
    lock.lock()
    defer { lock.unlock() }
    if let m = models[key] { return m }
    let m = try load()
    models[key] = m
    return m
  }
}
