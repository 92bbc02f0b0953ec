import Foundation

/// BERT's "basic" tokenisation, as Hugging Face `tokenizers`' `BertNormalizer` +
/// `BertPreTokenizer` (and transformers' `BasicTokenizer`) do it for uncased models:
///
/// 1. clean: drop U+0000, U+FFFD and control characters (category C*, except tab/LF/CR);
///    whitespace (tab, LF, CR, category Zs) becomes a space;
/// 2. put spaces around CJK ideographs, so each is its own word;
/// 3. lower-case; strip accents (NFD, then drop non-spacing marks, category Mn);
/// 4. split on whitespace, and isolate every punctuation character (ASCII punctuation or
///    category P*) as its own word.
public struct BertPreTokenizer: Sendable {
  public var lowercase: Bool
  public var stripAccents: Bool
  public var splitCJK: Bool

  public init(lowercase: Bool = true, stripAccents: Bool? = nil, splitCJK: Bool = true) {
    self.lowercase = lowercase
    // `strip_accents: null` means "follow lowercase", as in both HF implementations.
    self.stripAccents = stripAccents ?? lowercase
    self.splitCJK = splitCJK
  }

  public func words(_ text: String) -> [String] {
    var cleaned = String.UnicodeScalarView()
    for s in text.unicodeScalars {
      if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
      if Self.isWhitespace(s) {
        cleaned.append(" ")
      } else if splitCJK && Self.isCJK(s.value) {
        cleaned.append(" ")
        cleaned.append(s)
        cleaned.append(" ")
      } else {
        cleaned.append(s)
      }
    }
    var normalized = String(cleaned)
    if lowercase { normalized = normalized.lowercased() }
    if stripAccents {
      normalized = String(
        String.UnicodeScalarView(
          normalized.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
            $0.properties.generalCategory != .nonspacingMark
          }))
    }
    var words: [String] = []
    var current = String.UnicodeScalarView()
    func flush() {
      if !current.isEmpty { words.append(String(current)) }
      current = String.UnicodeScalarView()
    }
    for s in normalized.unicodeScalars {
      if Self.isWhitespace(s) {
        flush()
      } else if Self.isPunctuation(s) {
        flush()
        words.append(String(s))
      } else {
        current.append(s)
      }
    }
    flush()
    return words
  }

  static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
    s == " " || s == "\t" || s == "\n" || s == "\r"
      || s.properties.generalCategory == .spaceSeparator
  }

  static func isControl(_ s: Unicode.Scalar) -> Bool {
    if s == "\t" || s == "\n" || s == "\r" { return false }
    switch s.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned: return true
    default: return false
    }
  }

  static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v)
      || (123...126).contains(v)
    {
      return true
    }
    switch s.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default: return false
    }
  }

  /// The CJK Unified Ideographs blocks BERT treats as words (not Hangul or kana).
  static func isCJK(_ v: UInt32) -> Bool {
    (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v)
      || (0x20000...0x2A6DF).contains(v) || (0x2A700...0x2B73F).contains(v)
      || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
      || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
  }
}
