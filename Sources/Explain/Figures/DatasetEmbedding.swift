import Foundation
import GlyphData
import Tensors

/// Why a data-set figure could not be drawn.
public enum DatasetFigureError: Error, CustomStringConvertible {
  case noDataset(figure: String)
  case unreadableCache(path: String, reason: String)

  public var description: String {
    switch self {
    case .noDataset(let figure): "\(figure) needs a data set (--dataset DIR)"
    case .unreadableCache(let path, let reason): "\(path): \(reason)"
    }
  }
}

/// The UMAP map of a data set's glyphs, fitted once and cached in the output folder
/// (`umap-embedding.safetensors`, keyed by a hash of the images, the code points and the UMAP
/// parameters) so that `dataset-map`, `forward-map` and reruns share one fit.
///
/// Features are ink amounts, 1 − pixel/255, one per pixel: Euclidean distances between glyphs
/// are those of the images themselves (the model's [−1, 1] pixels give the same map: UMAP is
/// invariant to a global affine change of the features).
public struct DatasetEmbedding: Sendable {
  public static let cacheFileName = "umap-embedding.safetensors"

  public let dataset: GlyphDataset
  public let features: FeatureMatrix
  public let fitted: FittedUMAP
  public let loadedFromCache: Bool

  /// Ink features of every glyph.
  public static func features(of dataset: GlyphDataset) -> FeatureMatrix {
    let d = dataset.size * dataset.size
    var values = [Float](repeating: 0, count: dataset.count * d)
    dataset.images.withUnsafeBufferPointer { src in
      values.withUnsafeMutableBufferPointer { dst in
        for i in 0..<src.count { dst[i] = 1 - Float(src[i]) / 255 }
      }
    }
    return FeatureMatrix(rows: dataset.count, columns: d, values: values)
  }

  /// The UMAP settings of the figures: umap-learn's defaults, seeded; fewer epochs when quick.
  public static func parameters(seed: UInt64, quick: Bool) -> UMAP {
    UMAP(nEpochs: quick ? 50 : nil, seed: seed)
  }

  /// The cache key: FNV-1a (64-bit) over the image bytes, the code points and the parameters.
  static func cacheKey(_ dataset: GlyphDataset, _ parameters: UMAP) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ bytes: UnsafeRawBufferPointer) {
      for b in bytes {
        h ^= UInt64(b)
        h &*= 0x0000_0100_0000_01B3
      }
    }
    dataset.images.withUnsafeBytes(mix)
    dataset.codepoints.withUnsafeBytes(mix)
    let json = (try? umapJSONEncoder().encode(parameters)) ?? Data()
    json.withUnsafeBytes(mix)
    return String(h, radix: 16)
  }

  /// Loads the data set, then the cached embedding if its key matches, else fits and caches.
  /// `log` receives one line per step (fit timings included).
  public static func load(
    dataset url: URL, out: URL, seed: UInt64, quick: Bool, log: (String) -> Void = { _ in }
  ) throws -> DatasetEmbedding {
    let dataset = try GlyphDataset(contentsOf: url)
    let features = features(of: dataset)
    let parameters = parameters(seed: seed, quick: quick)
    let key = cacheKey(dataset, parameters)
    let cache = out.appendingPathComponent(cacheFileName)
    if let embedding = try readCache(cache, key: key, count: dataset.count, parameters: parameters)
    {
      log("UMAP: cached embedding \(cache.path)")
      return DatasetEmbedding(
        dataset: dataset, features: features,
        fitted: FittedUMAP(parameters: parameters, data: features, embedding: embedding),
        loadedFromCache: true)
    }
    log("UMAP: fitting \(dataset.count) glyphs of \(dataset.size)×\(dataset.size) px")
    let clock = ContinuousClock()
    let start = clock.now
    let fitted = parameters.fit(features)
    let seconds = umapSeconds(clock.now - start)
    let phases = fitted.timings.map { "\($0.0) \(String(format: "%.1f", $0.1)) s" }
    log(
      "UMAP: \(String(format: "%.1f", seconds)) s (\(phases.joined(separator: ", "))), "
        + "\(fitted.graphEdges) edges")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let metadata = [
      "key": key,
      "parameters": String(
        decoding: (try? umapJSONEncoder().encode(parameters)) ?? Data(), as: UTF8.self),
      "dataset": url.path, "count": "\(dataset.count)", "size": "\(dataset.size)",
      "fit_seconds": String(format: "%.2f", seconds),
      "threads": "\(Parallel.threadCount)",
    ]
    try SafeTensors.write(
      [.f32("embedding", shape: [dataset.count, parameters.nComponents], fitted.embedding)],
      metadata: metadata, to: cache)
    return DatasetEmbedding(
      dataset: dataset, features: features, fitted: fitted, loadedFromCache: false)
  }

  /// The cached embedding, or nil when absent or made from other data or parameters.
  static func readCache(_ url: URL, key: String, count: Int, parameters: UMAP) throws -> [Float]? {
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    do {
      let file = try SafeTensorsFile(contentsOf: url)
      guard file.metadata["key"] == key else { return nil }
      let values = try file.floats("embedding")
      guard values.count == count * parameters.nComponents else { return nil }
      return values
    } catch {
      throw DatasetFigureError.unreadableCache(path: url.path, reason: "\(error)")
    }
  }
}

private func umapJSONEncoder() -> JSONEncoder {
  let e = JSONEncoder()
  e.outputFormatting = [.sortedKeys]
  return e
}
