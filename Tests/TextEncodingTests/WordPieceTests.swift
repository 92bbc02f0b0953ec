import Foundation
import Testing

@testable import TextEncoding

@Suite struct WordPieceTests {
  let tokenizer = try! WordPieceTokenizer(tokens: [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "gold", "metal", "##s", "in", "general", ";", "un", "##aff",
    "##able", "cafe", "水", ",", "a",
  ])

  @Test func basicTokenisation() {
    let p = BertPreTokenizer()
    #expect(p.words("Gold; METALS,in\tgeneral") == ["gold", ";", "metals", ",", "in", "general"])
    #expect(p.words("Café naïve") == ["cafe", "naive"])
    #expect(p.words("water水liquid") == ["water", "水", "liquid"])
    #expect(p.words("  \u{0}x\u{200B}y  ") == ["xy"])  // NUL and a format character are dropped
    #expect(p.words("") == [])
  }

  @Test func greedyLongestMatch() {
    #expect(tokenizer.encode("Gold metals", maxLength: 16).ids == [2, 4, 5, 6, 3])
    #expect(tokenizer.encode("unaffable", maxLength: 16).ids == [2, 10, 11, 12, 3])
    // A word with an unmatched remainder is one [UNK], not a partial match.
    #expect(tokenizer.encode("golds golx", maxLength: 16).ids == [2, 4, 6, 1, 3])
    #expect(tokenizer.encode("", maxLength: 16) == TokenizedText(ids: [2, 3], truncated: false))
  }

  @Test func truncationKeepsSpecialTokens() {
    let t = tokenizer.encode("gold gold gold gold", maxLength: 4)
    #expect(t == TokenizedText(ids: [2, 4, 4, 3], truncated: true))
  }

  @Test func missingSpecialTokenIsAnError() {
    #expect(throws: TextEncodingError.self) { try WordPieceTokenizer(tokens: ["a", "b"]) }
  }

  @Test func nonUTF8VocabNamesTheLine() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID()).txt")
    try Data([0x61, 0x0A, 0x62, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(throws: TextEncodingError.notUTF8(path: url.path, line: 3)) {
      try WordPieceTokenizer(vocabFile: url)
    }
  }

  /// Ids from transformers' BertTokenizer on the WordPiece vocabulary trained by
  /// scripts/reference/text_encoders.py (accents, CJK, punctuation, unknown words, truncation).
  @Test func tinyVocabularyMatchesTransformers() throws {
    let golden = try Golden("tiny_bert")
    let tok = try WordPieceTokenizer(vocabFile: fixture("tiny-bert/vocab.txt"))
    for (text, ids) in zip(golden.texts, golden.ids) {
      #expect(tok.encode(text, maxLength: golden.maxLength).ids == ids, "\(text.debugDescription)")
    }
  }

  /// The search bounded by the longest vocabulary entry gives the pieces of the plain
  /// longest-match-first search (the naive reference, from each start to the word's end), on
  /// seeded random words over the vocabulary's letters — long ones included.
  @Test func boundedSearchMatchesThePlainSearch() {
    let tokens = [
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "ab", "abc", "b", "##a", "##b", "##bc", "##abcab",
      "c", "##c", "cab",
    ]
    let tok = try! WordPieceTokenizer(tokens: tokens)
    func plain(_ word: String) -> [Int] {
      let chars = Array(word.unicodeScalars)
      if chars.count > tok.maxCharactersPerWord { return [tok.unkID] }
      var pieces: [Int] = []
      var start = 0
      while start < chars.count {
        var end = chars.count
        var found: Int?
        while start < end {
          let piece = (start > 0 ? "##" : "") + String(String.UnicodeScalarView(chars[start..<end]))
          if let id = tok.vocabulary[piece] {
            found = id
            break
          }
          end -= 1
        }
        guard let id = found else { return [tok.unkID] }
        pieces.append(id)
        start = end
      }
      return pieces
    }
    var state: UInt64 = 12_345
    for _ in 0..<3_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let length = 1 + Int(state >> 58)  // 1…64
      let word = String((0..<length).map { i in Array("abc")[Int((state >> UInt64(i % 60)) % 3)] })
      var ids: [Int] = []
      tok.wordPieces(word, into: &ids)
      #expect(ids == plain(word), "\(word)")
    }
  }
}
