import Diffusion
import Foundation
import Tensors
import TextEncoding

/// The data set's caption cache as the trainer's `CaptionEmbeddings`: caption index = data-set
/// index; every batch is right-padded to the cache's maximum length (see `EncodedText.padded`
/// for why the length is fixed), dropped rows get the empty prompt.
struct CachedCaptions: CaptionEmbeddings {
  let cache: CaptionCache

  var dim: Int { cache.hiddenSize }

  func batch(indices: [Int]) -> (text: Tensor, mask: Tensor) {
    let b = cache.batch(indices, length: cache.maxLength)
    return (b.embeddings, b.mask)
  }

  func batch(indices: [Int], dropped: [Bool]) -> (text: Tensor, mask: Tensor) {
    let b = cache.batch(zip(indices, dropped).map { $1 ? nil : $0 }, length: cache.maxLength)
    return (b.embeddings, b.mask)
  }

  var empty: (text: Tensor, mask: Tensor) {
    let b = cache.batch([nil], length: cache.maxLength)
    return (b.embeddings, b.mask)
  }
}

/// The text encoder as the trainer's `PromptEncoder` (preview grids), padded like the captions.
struct EncoderPrompts: PromptEncoder {
  let encoder: TextEncoder
  let length: Int

  func encode(_ prompts: [String]) throws -> (text: Tensor, mask: Tensor) {
    let e = encoder.encode(prompts).padded(to: length)
    return (e.hiddenStates, e.mask)
  }
}

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
        dataset: dir, captions: captions, encoder: encoder, encoderName: encoderOptions.encoder
      ) { done, total in bar.update(done, total) }
    } catch { throw CLIError("\(error)") }
    if outcome.built != nil {
      bar.finish()
      log("encoded \(captions.count) captions into \(outcome.cache.url.path)")
    }
    return (outcome.cache, encoder)
  }
}
