import Foundation
import JobControl

/// The caption cache of a data set, opened when it is fresh and (re)built when it is not: the one
/// freshness rule that `encode`, `embed` and `train` share.
///
/// Fresh means: the cached captions are exactly the data set's (count and SHA-256 of the list)
/// and, when an encoder is at hand, the cache was made by that encoder (name + weights hash) with
/// the same maximum length. Without an encoder (not installed) a cache of the right captions is
/// used as it is: training needs only the embeddings.
public enum CaptionCacheService {
  public static func isFresh(_ cache: CaptionCache, captions: [String], encoder: TextEncoder?)
    -> Bool
  {
    guard (try? cache.validate(captions: captions)) != nil else { return false }
    guard let encoder else { return true }
    return cache.encoderIdentity == encoder.identity && cache.maxLength == encoder.maxLength
  }

  /// What `openOrBuild` did.
  public struct Outcome {
    public var cache: CaptionCache
    /// The build's summary, or nil when a fresh cache was opened.
    public var built: CaptionCacheBuilder.Summary?
  }

  /// Opens `dataset`'s cache for `encoderName` if fresh, else encodes `captions` into it with
  /// `encoder` (which must then be given). `force` rebuilds even a fresh cache.
  public static func openOrBuild(
    dataset: URL, captions: [String], encoder: TextEncoder?, encoderName: String,
    force: Bool = false, batchSize: Int = 64, halfPrecision: Bool = true,
    progress: ProgressHandler? = nil
  ) throws -> Outcome {
    let url = CaptionCache.location(dataset: dataset, encoderName: encoder?.name ?? encoderName)
    if !force, let cache = try? CaptionCache(contentsOf: url),
      isFresh(cache, captions: captions, encoder: encoder)
    {
      return Outcome(cache: cache, built: nil)
    }
    guard let encoder else {
      throw TextEncodingError.staleCache(
        path: url.path,
        reason: "missing or out of date, and the encoder \(encoderName) cannot be loaded to "
          + "rebuild it (run scripts/setup, or train with --captions random)")
    }
    let summary = try CaptionCacheBuilder.build(
      captions: captions, encoder: encoder, to: url, batchSize: batchSize,
      halfPrecision: halfPrecision, progress: progress)
    return Outcome(cache: try CaptionCache(contentsOf: url), built: summary)
  }
}
