import Diffusion
import Foundation
import JobControl
import Tensors
import TextEncoding

extension TrainCommand {
  /// Opens (building first when missing or stale) the caption cache of `dataset` for the
  /// chosen encoder, checked against the shard's captions.
  func openCaptionCache(dataset dir: URL, captions: [String]) throws -> (CaptionCache, TextEncoder?)
  {
    let encoder = try? encoderOptions.load()
    let bar = ProgressBar(label: "encode")
    let outcome: CaptionCacheService.Outcome
    do {
      outcome = try CaptionCacheService.openOrBuild(
        dataset: dir, captions: captions, encoder: encoder, encoderName: encoderOptions.encoder,
        progress: bar.handler)
    } catch { throw CLIError("\(error)") }
    if outcome.built != nil {
      bar.finish()
      log("encoded \(captions.count) captions into \(outcome.cache.url.path)")
    }
    return (outcome.cache, encoder)
  }
}
