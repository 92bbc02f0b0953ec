import Foundation

/// Turns a Unihan `kDefinition` into an ASCII English caption. Rules, applied in order (each has
/// a before/after test in `CaptionCleanerTests`):
///
/// 1. Fold typography: curly quotes → straight, dashes → `-`, Latin diacritics dropped
///    (`Suìpíng` → `Suiping`).
/// 2. Drop parenthesised cross-references, i.e. groups naming a CJK character or a `U+` code:
///    `(same as U+4E18 丘) hillock or mound` → `hillock or mound`.
/// 3. Drop source tags `(J)`, `(K)`, `(Cant.)`, `(Japanese)`, `(Korean)`.
/// 4. Split at `,` `;` `:` and drop clauses that only cite another character — they named one,
///    and every other word is citation vocabulary (`non-standard form of U+559C 喜`,
///    `variant of 蚊 U+868A`).
/// 5. Remove the remaining `U+` codes, CJK characters and Cantonese romanisations
///    (`daai6jyu4saan1`).
/// 6. Remove any other non-ASCII character.
/// 7. Tidy: empty brackets, runs of separators (the strongest of `;` `:` `,` is kept), spaces
///    before punctuation, doubled spaces, separators at either end.
public enum CaptionCleaner {
  public static func clean(_ definition: String) -> String {
    if isAlreadyClean(definition) { return definition }
    var text = foldTypography(definition)
    text = dropParenthesised(text) { content in
      containsReference(content)
        || sourceTags.contains(content.trimmingCharacters(in: .whitespaces))
    }
    text = dropCitationClauses(text)
    text = removeReferences(text)
    text = dropParenthesised(text) { content in
      let bare = content.trimmingCharacters(in: CharacterSet(charactersIn: " ,;:"))
      return bare.isEmpty || sourceTags.contains(bare)
    }
    text = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.isASCII }))
    return tidy(text)
  }

  /// Fast path (most definitions): nothing any rule would change. ASCII only, no brackets,
  /// no `U+`, no romanisation with tone digits, single spaces, every separator followed by a
  /// space, none at either end.
  static func isAlreadyClean(_ s: String) -> Bool {
    var previous: UInt8 = 0
    var count = 0
    for byte in s.utf8 {
      count += 1
      let afterSeparator =
        previous == UInt8(ascii: ",") || previous == UInt8(ascii: ";")
        || previous == UInt8(ascii: ":")
      if afterSeparator && byte != UInt8(ascii: " ") { return false }
      if count == 1 && byte == UInt8(ascii: "-") { return false }
      switch byte {
      case 0x80...: return false
      case UInt8(ascii: "("), UInt8(ascii: ")"): return false
      case UInt8(ascii: "+") where previous == UInt8(ascii: "U"): return false
      case UInt8(ascii: " ") where count == 1 || previous == UInt8(ascii: " "): return false
      case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "."):
        if count == 1 || previous == UInt8(ascii: " ") { return false }
      case 0..<0x20: return false
      case UInt8(ascii: "0")...UInt8(ascii: "9")
      where (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(previous):
        return false  // a romanisation with tone numbers
      default:
        break
      }
      previous = byte
    }
    guard count > 0 else { return false }
    switch previous {
    case UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"),
      UInt8(ascii: "-"):
      return false
    default:
      return s != "etc."
    }
  }

  static let sourceTags: Set<String> = ["J", "K", "Cant.", "Cant", "Japanese", "Korean"]

  /// Words that, next to a character reference, say only "this is a form of that character".
  static let citationWords: Set<String> = [
    "a", "an", "the", "of", "as", "same", "sane", "variant", "variants", "form", "forms",
    "ancient", "old", "older", "archaic", "standard", "non-standard", "nonstandard",
    "non-classical", "classical", "corrupted", "corruption", "simplified", "simplification",
    "abbreviated", "abbreviation", "traditional", "interchangeable", "with", "used", "for", "or",
    "and", "see", "also", "compound", "erroneously", "another", "name", "component", "in", "etc",
    "j", "k", "cant", "to", "is", "be", "written", "write", "character", "characters",
    "original", "vulgar", "popular", "japanese", "korean", "ditto", "synonym", "like", "not",
    "confused",
  ]

  /// Whether `scalar` is a CJK character or CJK punctuation (radicals, kana, ideographs,
  /// compatibility ideographs, fullwidth forms, supplementary ideographic planes).
  static func isCJK(_ v: UInt32) -> Bool {
    (0x2E80...0x2FDF).contains(v) || (0x3000...0x9FFF).contains(v)
      || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
      || (0xFF00...0xFFEF).contains(v) || (0x20000...0x3FFFF).contains(v)
  }

  static func containsReference(_ s: some StringProtocol) -> Bool {
    s.unicodeScalars.contains { isCJK($0.value) } || s.contains("U+")
  }

  static func foldTypography(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars {
      switch scalar.value {
      case 0x0300...0x036F: continue  // combining diacritics
      case 0x2018, 0x2019: out.append("'")
      case 0x201C, 0x201D: out.append("\"")
      case 0x2010...0x2015: out.append("-")
      default: out.append(scalar)
      }
    }
    return String(out)
  }

  /// Removes every innermost `( … )` group for which `shouldDrop(content)` holds.
  static func dropParenthesised(_ s: String, where shouldDrop: (Substring) -> Bool) -> String {
    var result = ""
    var rest = Substring(s)
    while let open = rest.firstIndex(of: "(") {
      guard let close = rest[open...].firstIndex(of: ")") else { break }
      // Use the innermost opening bracket before `close`.
      let inner = rest[..<close].lastIndex(of: "(") ?? open
      result += rest[..<inner]
      let content = rest[rest.index(after: inner)..<close]
      if !shouldDrop(content) { result += rest[inner...close] }
      rest = rest[rest.index(after: close)...]
    }
    result += rest
    return result
  }

  static func dropCitationClauses(_ s: String) -> String {
    var out = ""
    var clause = ""
    func flush(_ separator: Character?) {
      if !isCitation(clause) {
        out += containsReference(clause) ? withoutDanglingPreposition(clause) : clause
      }
      if let separator { out.append(separator) }
      clause = ""
    }
    for ch in s {
      if ch == "," || ch == ";" || ch == ":" { flush(ch) } else { clause.append(ch) }
    }
    flush(nil)
    return out
  }

  static func isCitation(_ clause: String) -> Bool {
    guard containsReference(clause) else { return false }
    let words = removeReferences(clause).lowercased()
      .split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" || $0 == "." })
    return words.allSatisfy { citationWords.contains(String($0)) }
  }

  /// `old ideograph for U+92F1 鋱` → `old ideograph`: a preposition left at the end of a clause
  /// once its object (a character reference) is removed. What the regular expression
  /// `\s+(?:of|for|with|as|to|from)\s*(?:U\+[0-9A-Fa-f]{4,6}|[^\x00-\x7F]|\s)*$` removes, found
  /// in one backward pass instead: that expression backtracks quadratically or worse on a long
  /// run of spaces after a preposition (a 60 KB line took minutes; `danglingPrepositionIsLinear`).
  static func withoutDanglingPreposition(_ clause: String) -> String {
    let scalars = Array(clause.unicodeScalars)
    func isHex(_ s: Unicode.Scalar) -> Bool {
      ("0"..."9").contains(s) || ("a"..."f").contains(s) || ("A"..."F").contains(s)
    }
    // 1. The tail: whitespace, non-ASCII scalars and U+XXXX codes (4 to 6 hex digits).
    var end = scalars.count
    while end > 0 {
      let s = scalars[end - 1]
      if !s.isASCII || s.properties.isWhitespace {
        end -= 1
        continue
      }
      var start = end
      while start > 0, isHex(scalars[start - 1]) { start -= 1 }
      guard (4...6).contains(end - start), start >= 2, scalars[start - 2] == "U",
        scalars[start - 1] == "+"
      else { break }
      end = start - 2
    }
    // 2. A preposition right before the tail, after at least one whitespace scalar.
    for word in ["of", "for", "with", "as", "to", "from"] {
      let w = Array(word.unicodeScalars)
      let start = end - w.count
      guard start >= 1, Array(scalars[start..<end]) == w, scalars[start - 1].properties.isWhitespace
      else { continue }
      var cut = start - 1
      while cut > 0, scalars[cut - 1].properties.isWhitespace { cut -= 1 }
      var out = String.UnicodeScalarView()
      out.append(contentsOf: scalars[..<cut])
      return String(out)
    }
    return clause
  }

  /// Removes `U+XXXX` codes, CJK characters and Cantonese (Jyutping) words such as `gwai2`.
  static func removeReferences(_ s: String) -> String {
    var text = CleanerPattern.code.replace(s, with: " ")
    text = String(String.UnicodeScalarView(text.unicodeScalars.filter { !isCJK($0.value) }))
    text = CleanerPattern.jyutping.replace(text, with: " ")
    return text
  }

  static func tidy(_ s: String) -> String {
    var text = s
    for (pattern, template) in CleanerPattern.tidyRules {
      text = pattern.replace(text, with: template)
    }
    text = collapseSeparators(text)
    let edge = CharacterSet(charactersIn: " ,;:-")
    text = text.trimmingCharacters(in: edge)
    // Nothing left but "etc." (all the listed items were characters).
    return text == "etc." ? "" : text
  }

  /// Collapses runs like `, ;` or `; ,` into the strongest separator (`;` > `:` > `,`).
  static func collapseSeparators(_ s: String) -> String {
    var out = ""
    var pending: Character?
    var spaced = false  // whitespace seen after the pending separator
    func rank(_ c: Character) -> Int { c == ";" ? 3 : c == ":" ? 2 : 1 }
    for ch in s {
      if ch == "," || ch == ";" || ch == ":" {
        if let p = pending { pending = rank(ch) > rank(p) ? ch : p } else { pending = ch }
      } else if ch == " " && pending != nil {
        spaced = true
      } else {
        if let p = pending, !out.isEmpty {
          out.append(p)
          // Keep digit groups such as 1,000 together.
          let joinsDigits = !spaced && ch.isNumber && (out.dropLast().last?.isNumber ?? false)
          if !joinsDigits && ch != ")" { out.append(" ") }
        }
        pending = nil
        spaced = false
        out.append(ch)
      }
    }
    return out
  }
}

/// The cleaner's regular expressions, compiled once (compiling them for every definition took
/// most of the fuzz target's time). NSRegularExpression is immutable and safe to share.
struct CleanerPattern: @unchecked Sendable {
  let regex: NSRegularExpression

  init(_ pattern: String) { regex = try! NSRegularExpression(pattern: pattern) }

  /// `s` with every match replaced by `template` (`$1` for a group), as
  /// `replacingOccurrences(of:with:options: .regularExpression)` does.
  func replace(_ s: String, with template: String) -> String {
    regex.stringByReplacingMatches(
      in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
  }

  /// `U+XXXX` codes.
  static let code = CleanerPattern("U\\+[0-9A-Fa-f]{4,6}")
  /// Cantonese (Jyutping) words such as `gwai2`.
  static let jyutping = CleanerPattern("\\b(?:[a-z]+[1-6])+\\b")
  static let tidyRules: [(CleanerPattern, String)] = [
    (CleanerPattern("\\(\\s*[,;:.]*\\s*\\)"), " "),  // empty brackets
    (CleanerPattern("\\s+"), " "),
    (CleanerPattern("\\(\\s+"), "("),
    (CleanerPattern("\\s+([,;:.)])"), "$1"),
    (CleanerPattern("[,;:]+\\)"), ")"),  // separators before a closing bracket
    (CleanerPattern("(^|[,;:(])\\s*\\.(?=\\s|[,;:)]|$)"), "$1"),  // a lone "."
  ]
}
