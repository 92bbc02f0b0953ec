import Foundation
import Testing

@testable import TextEncoding

/// Prompts of any length and content are tokenized and cut in bounded, linear time (what a web
/// server must afford): a megabyte of words, of one unbroken word, of combining marks, of NULs
/// and of bytes that are not UTF-8, through both tokenizers, at the lengths the encoders use.
/// SentencePiece's Viterbi pass must read the whole text (its first pieces can depend on the
/// rest); it is linear but slower (about 14 µs per scalar of combining marks in a debug build,
/// where every lookup hashes a string), so it is given 128 KB here and its growth is checked.
@Suite(.serialized) struct HostilePromptTests {
  static let megabyte = 1 << 20

  static func prompts(bytes size: Int) -> [(String, String)] {
    let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
    return [
      ("words", String(repeating: "gold water ", count: size / 11)),
      ("one word", String(repeating: "a", count: size)),
      ("combining marks", "e" + String(repeating: "\u{301}", count: size / 2)),
      ("NULs", String(repeating: "\u{0}", count: size)),
      ("not UTF-8", String(decoding: bytes, as: UTF8.self)),
      ("CJK", String(repeating: "金水", count: size / 6)),
    ]
  }

  static let wordPiece = try! WordPieceTokenizer(tokens: [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "gold", "water", "a", "##a", "e", "金", "水",
  ])

  /// Seconds `body` takes.
  static func time(_ body: () -> Void) -> Double {
    let start = Date()
    body()
    return Date().timeIntervalSince(start)
  }

  @Test func wordPieceCutsAMegabyteQuickly() {
    for (kind, text) in Self.prompts(bytes: Self.megabyte) {
      for maxLength in [2, 77] {
        var ids: [Int] = []
        let seconds = Self.time { ids = Self.wordPiece.encode(text, maxLength: maxLength).ids }
        #expect(ids.count <= maxLength && ids.first == 2 && ids.last == 3)
        #expect(seconds < 2, "\(kind) at \(maxLength): \(seconds) s")
      }
    }
  }

  @Test func sentencePieceCutsAnyTextInLinearTime() throws {
    let tok = try SentencePieceTokenizer(contentsOf: fixture("tiny-t5/spiece.model"))
    let small = Self.prompts(bytes: 32 << 10)
    for (i, (kind, text)) in Self.prompts(bytes: 128 << 10).enumerated() {
      var ids: [Int] = []
      let seconds = Self.time { ids = tok.encode(text, maxLength: 77).ids }
      let quarter = Self.time { _ = tok.encode(small[i].1, maxLength: 77) }
      #expect(ids.count <= 77 && ids.last == tok.model.eosID)
      #expect(seconds < 5, "\(kind): \(seconds) s")
      #expect(seconds < max(quarter, 0.01) * 10, "\(kind): 32 KB \(quarter) s, 128 KB \(seconds) s")
    }
  }

  /// Linear, not worse: four times the text takes well under sixteen times as long.
  @Test func wordPieceTimeGrowsLinearly() {
    let quarter = String(repeating: "gold water ", count: Self.megabyte / 44)
    let whole = String(repeating: quarter, count: 4)
    let small = Self.time { _ = Self.wordPiece.encode(quarter, maxLength: 77) }
    let large = Self.time { _ = Self.wordPiece.encode(whole, maxLength: 77) }
    #expect(large < max(small, 0.01) * 10, "\(small) s → \(large) s")
  }
}
