import Foundation
import Tensors

/// Reads a caption cache written by `CaptionCacheBuilder` (format there): per caption index, the
/// encoder's last hidden states without padding. The trainer reads this and never runs the
/// encoder. The file is memory-mapped; rows are converted to fp32 on demand.
///
/// ```swift
/// let cache = try CaptionCache.open(dataset: dir, encoderName: "all-MiniLM-L6-v2")
/// let (text, mask) = cache.batch([3, 17, nil])   // nil: the empty prompt (caption dropout)
/// ```
public final class CaptionCache: @unchecked Sendable {
  public let url: URL
  public let count: Int
  public let hiddenSize: Int
  public let encoderName: String
  public let encoderIdentity: String
  public let maxLength: Int
  public let captionsSHA256: String
  let file: SafeTensorsFile
  let entryOffsets: [Int]
  let captionEntry: [Int]
  let emptyEntry: Int
  public let captionHashes: [Int64]
  let isHalf: Bool

  /// `DIR/caption_embeddings.<encoder name>.safetensors`.
  public static func location(dataset: URL, encoderName: String) -> URL {
    let safe = String(
      encoderName.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    return dataset.appendingPathComponent("caption_embeddings.\(safe).safetensors")
  }

  /// Opens the data set's cache for `encoderName` and checks it against `metadata.jsonl`.
  public static func open(dataset: URL, encoderName: String) throws -> CaptionCache {
    let url = location(dataset: dataset, encoderName: encoderName)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw TextEncodingError.missingFile(
        path: url.path,
        hint: "Run: glyffuser encode --dataset \(dataset.path) --encoder \(encoderName)")
    }
    let cache = try CaptionCache(contentsOf: url)
    try cache.validate(captions: try DatasetCaptions.read(dataset: dataset))
    return cache
  }

  public init(contentsOf url: URL) throws {
    self.url = url
    file = try SafeTensorsFile(contentsOf: url)
    let m = file.metadata
    func field(_ k: String) throws -> String {
      guard let v = m[k] else {
        throw TextEncodingError.badField(
          path: url.path, line: 0, field: "__metadata__.\(k)", reason: "missing")
      }
      return v
    }
    func intField(_ k: String) throws -> Int {
      guard let v = Int(try field(k)) else {
        throw TextEncodingError.badField(
          path: url.path, line: 0, field: "__metadata__.\(k)", reason: "not an integer")
      }
      return v
    }
    guard try field("format") == CaptionCacheBuilder.format else {
      throw TextEncodingError.unsupported(
        path: url.path, what: "caption cache format \(m["format"]!)")
    }
    count = try intField("count")
    hiddenSize = try intField("hidden_size")
    maxLength = try intField("max_length")
    emptyEntry = try intField("empty_entry")
    encoderName = try field("encoder")
    encoderIdentity = try field("encoder_identity")
    captionsSHA256 = try field("captions_sha256")
    entryOffsets = try file.int64s("entry_offsets").map(Int.init)
    captionEntry = try file.int64s("caption_entry").map(Int.init)
    captionHashes = try file.int64s("caption_hash")
    let info = try file.info("embeddings")
    isHalf = info.dtype == .f16
    let tokens = entryOffsets.last ?? 0
    let consistent =
      info.shape == [tokens, hiddenSize] && (info.dtype == .f16 || info.dtype == .f32)
      && captionEntry.count == count && captionHashes.count == count
      && zip(entryOffsets, entryOffsets.dropFirst()).allSatisfy { $0 < $1 }
      && captionEntry.allSatisfy { $0 >= 0 && $0 < entryOffsets.count - 1 }
      && emptyEntry >= 0 && emptyEntry < entryOffsets.count - 1
    guard consistent else {
      throw TextEncodingError.badField(
        path: url.path, line: 0, field: "embeddings",
        reason: "tensors disagree with each other or with __metadata__")
    }
  }

  /// Throws `.staleCache` unless the cache was built from exactly these captions.
  public func validate(captions: [String]) throws {
    guard captions.count == count else {
      throw TextEncodingError.staleCache(
        path: url.path, reason: "\(count) captions cached, the data set has \(captions.count)")
    }
    guard CaptionCacheBuilder.captionsDigest(captions) == captionsSHA256 else {
      throw TextEncodingError.staleCache(path: url.path, reason: "the captions changed")
    }
  }

  public func tokenCount(_ caption: Int) -> Int { entryLength(captionEntry[caption]) }

  public func tokenIDs(_ caption: Int) -> [Int] {
    let e = captionEntry[caption]
    let all = try! file.int64s("entry_token_ids")
    return all[entryOffsets[e]..<entryOffsets[e + 1]].map(Int.init)
  }

  func entryLength(_ e: Int) -> Int { entryOffsets[e + 1] - entryOffsets[e] }

  /// Caption `i`'s hidden states `[n_i, d]` and mask `[n_i]` (all ones).
  public func embedding(_ caption: Int) -> (embeddings: Tensor, mask: Tensor) {
    let e = captionEntry[caption]
    let b = batchOfEntries([e], length: entryLength(e))
    return (b.embeddings.reshaped(to: [entryLength(e), hiddenSize]), Tensor.ones([entryLength(e)]))
  }

  /// The empty prompt's states (classifier-free guidance, caption dropout).
  public var emptyPrompt: (embeddings: Tensor, mask: Tensor) {
    let b = batchOfEntries([emptyEntry], length: entryLength(emptyEntry))
    return (b.embeddings.reshaped(to: [entryLength(emptyEntry), hiddenSize]), b.mask[0])
  }

  /// A right-padded batch `[B, L, d]` with mask `[B, L]`; nil picks the empty prompt. L is the
  /// longest member unless `length` is given (members must fit).
  public func batch(_ captions: [Int?], length: Int? = nil) -> (embeddings: Tensor, mask: Tensor) {
    let entries = captions.map { $0.map { captionEntry[$0] } ?? emptyEntry }
    return batchOfEntries(entries, length: length ?? entries.map(entryLength).max() ?? 0)
  }

  func batchOfEntries(_ entries: [Int], length L: Int) -> (embeddings: Tensor, mask: Tensor) {
    let d = hiddenSize
    var out = [Float](repeating: 0, count: entries.count * L * d)
    var mask = [Float](repeating: 0, count: entries.count * L)
    try! file.withBytes("embeddings") { raw in
      for (b, e) in entries.enumerated() {
        let n = entryLength(e)
        precondition(n <= L, "caption cache: entry of \(n) tokens does not fit length \(L)")
        let row0 = entryOffsets[e]
        for t in 0..<n {
          mask[b * L + t] = 1
          let dst = (b * L + t) * d
          let src = (row0 + t) * d
          if isHalf {
            for k in 0..<d {
              out[dst + k] = floatFromF16Bits(
                UInt16(
                  littleEndian: raw.loadUnaligned(fromByteOffset: 2 * (src + k), as: UInt16.self)))
            }
          } else {
            for k in 0..<d {
              out[dst + k] = raw.loadUnaligned(fromByteOffset: 4 * (src + k), as: Float.self)
            }
          }
        }
      }
    }
    return (
      Tensor(shape: [entries.count, L, d], scalars: out),
      Tensor(shape: [entries.count, L], scalars: mask)
    )
  }
}
