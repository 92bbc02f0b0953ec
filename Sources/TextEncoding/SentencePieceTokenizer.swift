import Foundation

/// Unigram SentencePiece (Kudo 2018) as `sentencepiece`'s `unigram_model.cc` encodes: normalise
/// (`SentencePieceNormalizer`), then the Viterbi path over the lattice of vocabulary pieces
/// (normal and user-defined) maximising the sum of piece log-probabilities. A character that no
/// one-character piece covers gets an `<unk>` node scored min(score) − 10; consecutive unknowns
/// fuse into one `<unk>`. For T5, `</s>` is appended and the pieces are cut to leave room for it.
public struct SentencePieceTokenizer: TextTokenizer {
  public let model: SentencePieceModel
  let normalizer: SentencePieceNormalizer
  /// Piece → id, for normal and user-defined pieces.
  let vocabulary: [String: Int]
  let maxPieceLength: Int
  let unknownScore: Float
  /// Append `</s>` (T5 does).
  public var appendEOS = true

  public init(model: SentencePieceModel, path: String = "spiece.model") throws {
    guard model.modelType == 1 else {
      throw TextEncodingError.unsupported(
        path: path, what: "SentencePiece model type \(model.modelType) (only unigram, 1)")
    }
    self.model = model
    normalizer = SentencePieceNormalizer(model: model)
    var vocab: [String: Int] = [:]
    var longest = 1
    var minScore = Float.greatestFiniteMagnitude
    for (i, p) in model.pieces.enumerated() where p.type == .normal || p.type == .userDefined {
      if vocab[p.text] == nil { vocab[p.text] = i }
      longest = max(longest, p.text.unicodeScalars.count)
      if p.type == .normal { minScore = min(minScore, p.score) }
    }
    vocabulary = vocab
    maxPieceLength = longest
    unknownScore = (minScore == .greatestFiniteMagnitude ? 0 : minScore) - 10
  }

  public init(contentsOf url: URL) throws {
    try self.init(model: try SentencePieceModel(contentsOf: url), path: url.path)
  }

  public var vocabularySize: Int { model.pieces.count }

  /// Piece ids of `text` without special tokens.
  public func pieceIDs(_ text: String) -> [Int] {
    let chars = Array(normalizer.normalize(text).unicodeScalars)
    let n = chars.count
    if n == 0 { return [] }
    // best[i]: best score of a segmentation of chars[0..<i]; back[i]: (start, id) of its last piece.
    var best = [Float](repeating: -.infinity, count: n + 1)
    var back = [(Int, Int)](repeating: (0, -1), count: n + 1)
    best[0] = 0
    for start in 0..<n where best[start] > -.infinity {
      var hasSingle = false
      var piece = String.UnicodeScalarView()
      for end in (start + 1)...min(n, start + maxPieceLength) {
        piece.append(chars[end - 1])
        guard let id = vocabulary[String(piece)] else { continue }
        if end == start + 1 { hasSingle = true }
        let s = best[start] + model.pieces[id].score
        if s > best[end] {
          best[end] = s
          back[end] = (start, id)
        }
      }
      if !hasSingle {
        let s = best[start] + unknownScore
        if s > best[start + 1] {
          best[start + 1] = s
          back[start + 1] = (start, model.unkID)
        }
      }
    }
    var ids: [Int] = []
    var i = n
    while i > 0 {
      let (start, id) = back[i]
      ids.append(id)
      i = start
    }
    ids.reverse()
    // Fuse runs of <unk>.
    var fused: [Int] = []
    for id in ids where !(id == model.unkID && fused.last == model.unkID) { fused.append(id) }
    return fused
  }

  public func encode(_ text: String, maxLength: Int) -> TokenizedText {
    let ids = pieceIDs(text)
    let room = appendEOS ? maxLength - 1 : maxLength
    precondition(room >= 0, "maxLength \(maxLength) leaves no room for </s>")
    return TokenizedText(
      ids: Array(ids.prefix(room)) + (appendEOS ? [model.eosID] : []), truncated: ids.count > room)
  }

  public func pieces(_ ids: [Int]) -> [String] {
    ids.map { $0 >= 0 && $0 < model.pieces.count ? model.pieces[$0].text : "<\($0)>" }
  }
}
