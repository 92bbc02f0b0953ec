import Foundation
import Testing

@testable import GlyphData

/// One before/after example per cleaning rule; the "before" strings are real kDefinitions
/// (Unicode 15.0.0) unless marked synthetic.
struct CaptionRule: Sendable, CustomStringConvertible {
  let rule: String
  let before: String
  let after: String
  var description: String { rule }
}

let captionRules: [CaptionRule] = [
  CaptionRule(
    rule: "1 fold diacritics (U+5C88, after rule 4 drops the CJK clause)",
    before: "嵖岈山, a mountain in Suìpíng county, Hénán",
    after: "a mountain in Suiping county, Henan"),
  CaptionRule(
    rule: "1 fold curly quotes and dashes (synthetic)", before: "a “fine” day—bright",
    after: "a \"fine\" day-bright"),
  CaptionRule(
    rule: "2 parenthesised cross-reference with U+ code (U+3400)",
    before: "(same as U+4E18 丘) hillock or mound", after: "hillock or mound"),
  CaptionRule(
    rule: "2 parenthesised cross-reference with a character only (U+3800)",
    before: "(same as 島) island; isle", after: "island; isle"),
  CaptionRule(
    rule: "2 cross-reference in the middle (U+3905)",
    before: "to stop; to end, (interchangeable 忌) jealous; to envy, (the small seal 愛) love",
    after: "to stop; to end, jealous; to envy, love"),
  CaptionRule(
    rule: "3 source tag (U+67B3)", before: "trifoliate orange; hedge thorn; (Cant.) a plug",
    after: "trifoliate orange; hedge thorn; a plug"),
  CaptionRule(
    rule: "3 tag plus citation clause (U+3402)",
    before: "(J) non-standard form of U+559C 喜, to like, love, enjoy; a joyful thing",
    after: "to like, love, enjoy; a joyful thing"),
  CaptionRule(
    rule: "4 citation clause (U+9D44)", before: "variant of 鴟 U+9D1F, kite, horned owl; wine cups",
    after: "kite, horned owl; wine cups"),
  CaptionRule(
    rule: "4 citation at the end (U+4E23)",
    before: "ancient form of the tenth of the twelve Terrestrial Branches, U+9149 酉",
    after: "ancient form of the tenth of the twelve Terrestrial Branches"),
  CaptionRule(
    rule: "4 preposition left dangling by a removed reference (U+4982)",
    before: "(simplified form of U+4947 䥇) Samarium (Sm); old ideograph for U+92F1 鋱, terbium (Tb)",
    after: "Samarium (Sm); old ideograph, terbium (Tb)"),
  CaptionRule(
    rule: "5 inline characters and Jyutping (U+9C6E)",
    before:
      "silver carp (Hypophthalmichthys molitrix); bream; (Cant.) 大嶼山 daai6jyu4saan1 Lantau Island",
    after: "silver carp (Hypophthalmichthys molitrix); bream; Lantau Island"),
  CaptionRule(
    rule: "5 inline characters (U+853B)", before: "肉豆蔻 nutmeg, 豆蔻 cardamon",
    after: "nutmeg, cardamon"),
  CaptionRule(
    rule: "6 other non-ASCII (synthetic)", before: "wavelength λ of light₄",
    after: "wavelength of light"),
  CaptionRule(
    rule: "7 tag emptied by Jyutping removal, separators before ) (U+45A2)",
    before: "first-born silkworm; (Cant., saa1) a kind of cookie",
    after: "first-born silkworm; a kind of cookie"),
  CaptionRule(
    rule: "7 stray full stop left by removed characters (U+55F2)",
    before: "(Cant.) saliva; intensifying particle; inviting, coquettish; 嗲哋. 'daddy'",
    after: "saliva; intensifying particle; inviting, coquettish; 'daddy'"),
  CaptionRule(
    rule: "7 doubled spaces and separators (synthetic)", before: "big  ,  tall ;; strong ",
    after: "big, tall; strong"),
  CaptionRule(
    rule: "7 digit groups stay together (synthetic)", before: "a span of 1,000 li",
    after: "a span of 1,000 li"),
  CaptionRule(
    rule: "plain definitions are unchanged (U+91D1)",
    before: "gold; metals in general; money; Kangxi radical 167",
    after: "gold; metals in general; money; Kangxi radical 167"),
]

@Test(arguments: captionRules)
func cleaningRule(_ example: CaptionRule) {
  #expect(CaptionCleaner.clean(example.before) == example.after)
}

@Test(arguments: [
  "same as U+9C64 鱤",  // U+4C64
  "another name for 知母",  // U+4570
  "a variant of 七 (U+4E03)",  // U+3B4D
  "old form of 貫; component in 贯,貫,實, etc.; not to be confused with 毋",  // U+6BCC
])
func pureCrossReferencesCleanToEmpty(_ definition: String) {
  #expect(CaptionCleaner.clean(definition) == "")
}

@Test func requiredCaptionsFromTheIssue() throws {
  let defs = try UnihanParser.definitions(
    in: try UnihanSource.text(at: samplePath), path: samplePath)
  let captions = Dictionary(
    uniqueKeysWithValues: defs.map { ($0.codepoint, CaptionCleaner.clean($0.definition)) })
  #expect(captions[0x91D1] == "gold; metals in general; money; Kangxi radical 167")
  #expect(captions[0x3400] == "hillock or mound")
  #expect(captions[0x4570] == "")
  #expect(captions[0x4605] == "")
}

@Test(.enabled(if: unihanInstalled, "needs unicode-data"))
func everyCleanedCaptionOfTheRealFileIsTidyASCII() throws {
  let path = UnihanSource.defaultPath
  let defs = try UnihanParser.definitions(in: try UnihanSource.text(at: path), path: path)
  var empty = 0
  for d in defs {
    let c = CaptionCleaner.clean(d.definition)
    if c.isEmpty {
      empty += 1
      continue
    }
    #expect(c.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 }, "\(d.definition)")
    #expect(!c.contains("  ") && !c.contains("U+") && !c.contains("()"), "\(c)")
    #expect(c == CaptionCleaner.clean(c), "cleaning is idempotent: \(c)")
    // The fast path must agree with the full rules.
    if CaptionCleaner.isAlreadyClean(d.definition) { #expect(c == d.definition) }
  }
  // unicode-data 15.0.0: 9 of 20,509 definitions are nothing but cross-references.
  #expect(empty == 9)
}

/// The regular expression `withoutDanglingPreposition` replaced: the naive reference.
func danglingPrepositionByRegex(_ clause: String) -> String {
  clause.replacingOccurrences(
    of: "\\s+(?:of|for|with|as|to|from)\\s*(?:U\\+[0-9A-Fa-f]{4,6}|[^\\x00-\\x7F]|\\s)*$",
    with: "", options: .regularExpression)
}

/// The one-pass scan removes exactly what the expression removed, on clauses built from the
/// pieces that matter (seeded, so the same cases every run).
@Test func danglingPrepositionMatchesTheRegularExpression() {
  let pieces = [
    " ", "  ", "\t", "of", "for", "with", "as", "to", "from", "proof", "U+92F1", "U+2A6D6",
    "U+1234567", "U+12", "u+4E00", "鋱", "金", "\u{3000}", "old", "ideograph", "x", "ABCD", "+",
    "U", "é",
  ]
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15
  func next() -> Int {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int(state >> 33)
  }
  for _ in 0..<5_000 {
    let clause = (0..<(1 + next() % 7)).map { _ in pieces[next() % pieces.count] }.joined()
    #expect(
      CaptionCleaner.withoutDanglingPreposition(clause) == danglingPrepositionByRegex(clause),
      "\(clause.debugDescription)")
  }
}

/// Definitions of any shape are cleaned in time linear in their length: a 60 KB line with a
/// preposition before a long run of spaces took minutes when a backtracking regular expression
/// did this (the same line is in Fuzz/Corpus/FuzzUnihan).
@Test func danglingPrepositionIsLinear() {
  for filler in [" ", "鋱 ", "U+4E00 "] {
    let line =
      "old ideograph of" + String(repeating: filler, count: 60_000 / filler.utf8.count) + "x"
    let start = Date()
    _ = CaptionCleaner.clean(line)
    #expect(Date().timeIntervalSince(start) < 2, "\(filler.debugDescription)")
  }
}

/// And on every clause of the real file that holds a character reference.
@Test(.enabled(if: unihanInstalled, "needs unicode-data"))
func danglingPrepositionMatchesTheRegularExpressionOnTheRealFile() throws {
  let path = UnihanSource.defaultPath
  let defs = try UnihanParser.definitions(in: try UnihanSource.text(at: path), path: path)
  var checked = 0
  for d in defs {
    for clause in d.definition.split(whereSeparator: { ",;:".contains($0) }).map(String.init)
    where CaptionCleaner.containsReference(clause) {
      #expect(
        CaptionCleaner.withoutDanglingPreposition(clause) == danglingPrepositionByRegex(clause),
        "\(clause)")
      checked += 1
    }
  }
  #expect(checked > 1_000)
}
