import Foundation

/// BERT's WordPiece tokenizer (Wu et al. 2016; Hugging Face `BertTokenizer`): basic
/// tokenisation (`BertPreTokenizer`), then per word greedy longest-match-first against the
/// vocabulary, continuation pieces prefixed `##`; a word with an unmatched remainder, or longer
/// than 100 characters, becomes `[UNK]`. Output: `[CLS] pieces… [SEP]`, pieces cut so the whole
/// fits `maxLength`.
public struct WordPieceTokenizer: TextTokenizer {
  public let vocabulary: [String: Int]
  public let tokens: [String]
  public let preTokenizer: BertPreTokenizer
  public let clsID: Int
  public let sepID: Int
  public let unkID: Int
  public let padID: Int
  public var maxCharactersPerWord = 100
  /// The longest vocabulary entry, in Unicode scalars: no longer piece can match, so the
  /// longest-match search starts there instead of at the word's end (same pieces; per word
  /// O(length × longest) lookups instead of O(length²) — a 100-letter word made 5,050 lookups).
  let longestEntry: Int

  /// From `vocab.txt`: one token per line, the id is the 0-based line number.
  public init(vocabFile url: URL, lowercase: Bool = true) throws {
    let text = try readUTF8(url, hint: "A BERT model folder needs vocab.txt (or tokenizer.json).")
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }
    if lines.last == "" { lines.removeLast() }
    try self.init(tokens: lines, lowercase: lowercase, source: url.path)
  }

  /// From `tokenizer.json`'s `model.vocab` (token → id).
  public init(tokenizerJSON url: URL) throws {
    try self.init(tokenizerJSON: try JSONObject(url))
  }

  /// `tokenizer.json`'s bytes; `path` names the file in errors.
  public init(tokenizerJSONData data: Data, path: String = "tokenizer.json") throws {
    try self.init(tokenizerJSON: try JSONObject(data: data, path: path, line: 0))
  }

  init(tokenizerJSON object: JSONObject) throws {
    let model = try object.object("model")
    let vocab = try model.object("vocab")
    var tokens = [String](repeating: "", count: vocab.raw.count)
    for (token, value) in vocab.raw {
      guard let id = value as? Int, id >= 0, id < tokens.count else {
        throw TextEncodingError.badField(
          path: object.path, line: 0, field: "model.vocab.\(token)", reason: "not an id in range")
      }
      tokens[id] = token
    }
    var lowercase = true
    if let normalizer = try? object.object("normalizer"),
      let l = normalizer.raw["lowercase"] as? Bool
    {
      lowercase = l
    }
    try self.init(tokens: tokens, lowercase: lowercase, source: object.path)
  }

  public init(tokens: [String], lowercase: Bool = true, source: String = "vocabulary") throws {
    self.tokens = tokens
    var vocab: [String: Int] = [:]
    for (i, t) in tokens.enumerated() where vocab[t] == nil { vocab[t] = i }
    self.vocabulary = vocab
    longestEntry = vocab.keys.map(\.unicodeScalars.count).max() ?? 0
    preTokenizer = BertPreTokenizer(lowercase: lowercase)
    func special(_ name: String) throws -> Int {
      guard let id = vocab[name] else {
        throw TextEncodingError.badField(
          path: source, line: 0, field: name, reason: "special token missing from the vocabulary")
      }
      return id
    }
    clsID = try special("[CLS]")
    sepID = try special("[SEP]")
    unkID = try special("[UNK]")
    padID = try special("[PAD]")
  }

  public var vocabularySize: Int { tokens.count }

  /// WordPiece ids of one pre-tokenised word.
  func wordPieces(_ word: String, into out: inout [Int]) {
    let chars = Array(word.unicodeScalars)
    if chars.count > maxCharactersPerWord {
      out.append(unkID)
      return
    }
    var pieces: [Int] = []
    var start = 0
    while start < chars.count {
      var end = min(chars.count, start + longestEntry)
      var found: Int? = nil
      while start < end {
        var piece = String(String.UnicodeScalarView(chars[start..<end]))
        if start > 0 { piece = "##" + piece }
        if let id = vocabulary[piece] {
          found = id
          break
        }
        end -= 1
      }
      guard let id = found else {
        out.append(unkID)
        return
      }
      pieces.append(id)
      start = end
    }
    out += pieces
  }

  public func encode(_ text: String, maxLength: Int) -> TokenizedText {
    precondition(maxLength >= 2, "WordPiece needs maxLength ≥ 2 for [CLS] and [SEP]")
    var pieces: [Int] = []
    let room = maxLength - 2
    // Words past the cut cannot change the ids: stop once one piece more than fits is known.
    for w in preTokenizer.words(text) {
      wordPieces(w, into: &pieces)
      if pieces.count > room { break }
    }
    let truncated = pieces.count > room
    return TokenizedText(ids: [clsID] + pieces.prefix(room) + [sepID], truncated: truncated)
  }

  public func pieces(_ ids: [Int]) -> [String] {
    ids.map { $0 >= 0 && $0 < tokens.count ? tokens[$0] : "<\($0)>" }
  }
}
