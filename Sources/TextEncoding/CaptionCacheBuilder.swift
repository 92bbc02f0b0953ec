import Foundation
import JobControl
import Tensors

/// Writes a caption cache: every distinct caption (and the empty prompt) encoded once, in
/// batches of similar length, without padding.
///
/// File (safetensors), `n` captions, `u` distinct entries, `T` tokens in all:
/// - `embeddings` F16 or F32 `[T, d]`: entry j's last hidden states are rows
///   `entry_offsets[j] ..< entry_offsets[j+1]`;
/// - `entry_offsets` I64 `[u + 1]`, `entry_token_ids` I64 `[T]`;
/// - `caption_entry` I64 `[n]`: caption i's entry; `caption_hash` I64 `[n]`: the first 8 bytes
///   (big-endian) of SHA-256 of caption i's UTF-8;
/// - metadata: `format`, `encoder`, `encoder_identity`, `hidden_size`, `max_length`, `count`,
///   `empty_entry`, `captions_sha256` (SHA-256 of the captions joined by "\n").
public enum CaptionCacheBuilder {
  public static let format = "glyffuser-caption-cache-1"

  public struct Summary: Sendable {
    public var captions: Int
    public var distinct: Int
    public var tokens: Int
    public var truncated: Int
    public var seconds: Double
  }

  /// Encodes `captions` with `encoder` into `url`. `progress` hears of each batch (stage
  /// "encode"; done counts distinct entries).
  public static func build(
    captions: [String], encoder: TextEncoder, to url: URL, batchSize: Int = 64,
    halfPrecision: Bool = true, progress: ProgressHandler? = nil
  ) throws -> Summary {
    let clock = ContinuousClock.now
    var entryOf: [String: Int] = [:]
    var texts: [String] = []
    var captionEntry: [Int] = []
    for c in captions + [""] {
      if let e = entryOf[c] {
        captionEntry.append(e)
      } else {
        entryOf[c] = texts.count
        captionEntry.append(texts.count)
        texts.append(c)
      }
    }
    let emptyEntry = captionEntry.removeLast()
    let tokens = texts.map(encoder.tokenize)
    let d = encoder.hiddenSize
    // Longest first, so the first batch shows the worst case; ties by entry for determinism.
    let order = tokens.indices.sorted {
      (tokens[$0].ids.count, $1) > (tokens[$1].ids.count, $0)
    }
    var states = [[Float]](repeating: [], count: texts.count)
    var done = 0
    for start in stride(from: 0, to: order.count, by: max(batchSize, 1)) {
      let batch = Array(order[start..<min(start + max(batchSize, 1), order.count)])
      let out = encoder.encode(ids: batch.map { tokens[$0].ids })
      let L = out.hiddenStates.shape[1]
      out.hiddenStates.withFloats { h in
        for (b, e) in batch.enumerated() {
          let n = tokens[e].ids.count
          states[e] = Array(h[(b * L * d)..<((b * L + n) * d)])
        }
      }
      done += batch.count
      progress?(JobProgress(stage: "encode", done: done, total: texts.count))
    }
    var offsets = [Int64(0)]
    var flat: [Float] = []
    flat.reserveCapacity(states.reduce(0) { $0 + $1.count })
    var ids: [Int64] = []
    for (e, s) in states.enumerated() {
      flat += s
      ids += tokens[e].ids.map(Int64.init)
      offsets.append(Int64(ids.count))
    }
    let hashes = captions.map { c -> Int64 in
      let h = SHA256.hash(Array(c.utf8))
      return Int64(bitPattern: h.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
    let entries: [SafeTensorsEntry] = [
      halfPrecision
        ? .f16("embeddings", shape: [ids.count, d], flat)
        : .f32("embeddings", shape: [ids.count, d], flat),
      .i64("entry_offsets", shape: [offsets.count], offsets),
      .i64("entry_token_ids", shape: [ids.count], ids),
      .i64("caption_entry", shape: [captions.count], captionEntry.map(Int64.init)),
      .i64("caption_hash", shape: [captions.count], hashes),
    ]
    let metadata = [
      "format": format, "encoder": encoder.name, "encoder_identity": encoder.identity,
      "hidden_size": "\(d)", "max_length": "\(encoder.maxLength)", "count": "\(captions.count)",
      "empty_entry": "\(emptyEntry)", "captions_sha256": captionsDigest(captions),
    ]
    try SafeTensors.write(entries, metadata: metadata, to: url)
    let truncated = captionEntry.filter { tokens[$0].truncated }.count
    let elapsed = ContinuousClock.now - clock
    return Summary(
      captions: captions.count, distinct: texts.count, tokens: ids.count, truncated: truncated,
      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
  }

  /// SHA-256 of the captions joined by "\n" (hex): a cache belongs to exactly these captions.
  public static func captionsDigest(_ captions: [String]) -> String {
    SHA256.hex(SHA256.hash(Array(captions.joined(separator: "\n").utf8)))
  }
}
