/// SentencePiece's normaliser (normalizer.cc), on UTF-8 bytes:
///
/// 1. at each position, the longest rule of the precompiled character map (a Darts-clone double
///    array over UTF-8 bytes whose values index NUL-terminated replacement strings; this is how
///    `nmt_nfkc` ships NFKC) replaces the matched bytes; with no match one character is copied
///    (invalid UTF-8 becomes U+FFFD);
/// 2. `remove_extra_whitespaces`: leading spaces dropped, runs collapsed, trailing dropped;
/// 3. `add_dummy_prefix`: a space in front; `escape_whitespaces`: spaces become "▁" (U+2581).
public struct SentencePieceNormalizer: Sendable {
  let units: [UInt32]
  let replacements: [UInt8]
  public let addDummyPrefix: Bool
  public let removeExtraWhitespaces: Bool
  public let escapeWhitespaces: Bool

  static let space: [UInt8] = Array("\u{2581}".utf8)

  public init(model: SentencePieceModel) {
    addDummyPrefix = model.addDummyPrefix
    removeExtraWhitespaces = model.removeExtraWhitespaces
    escapeWhitespaces = model.escapeWhitespaces
    // Blob: uint32 LE trie size in bytes, the trie (uint32 units), then the replacement strings.
    let blob = model.precompiledCharsmap
    var units: [UInt32] = []
    var replacements: [UInt8] = []
    if blob.count >= 4 {
      let size = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
      if size % 4 == 0 && 4 + size <= blob.count {
        units = stride(from: 4, to: 4 + size, by: 4).map { i in
          UInt32(blob[i]) | UInt32(blob[i + 1]) << 8 | UInt32(blob[i + 2]) << 16
            | UInt32(blob[i + 3]) << 24
        }
        replacements = Array(blob[(4 + size)...])
      }
    }
    self.units = units
    self.replacements = replacements
  }

  /// Darts-clone `commonPrefixSearch`, keeping the longest match: (length, value) or nil.
  func longestRule(_ s: UnsafeBufferPointer<UInt8>, from start: Int) -> (Int, Int)? {
    guard !units.isEmpty else { return nil }
    @inline(__always) func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
    var node = offset(units[0])
    var best: (Int, Int)? = nil
    var i = start
    while i < s.count {
      let c = Int(s[i])
      node ^= c
      guard node >= 0 && node < units.count else { break }
      let u = units[node]
      guard Int(u & ((1 << 31) | 0xFF)) == c else { break }
      node ^= offset(u)
      guard node >= 0 && node < units.count else { break }
      if (u >> 8) & 1 == 1 {
        best = (i + 1 - start, Int(units[node] & ((1 << 31) - 1)))
      }
      i += 1
    }
    return best
  }

  /// The normalised UTF-8 bytes of `text` (before escaping: the caller sees "▁" for spaces).
  public func normalize(_ text: String) -> String {
    let input = Array(text.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(input.count + 3)
    input.withUnsafeBufferPointer { s in
      var pos = 0
      /// The replacement for the prefix at `pos` and the bytes it consumes.
      func prefix() -> ([UInt8], Int) {
        if let (len, value) = longestRule(s, from: pos), value < replacements.count {
          var end = value
          while end < replacements.count && replacements[end] != 0 { end += 1 }
          return (Array(replacements[value..<end]), len)
        }
        let n = Self.utf8Length(s, pos)
        if n == 0 { return ([0xEF, 0xBF, 0xBD], 1) }
        return (Array(s[pos..<(pos + n)]), n)
      }
      if removeExtraWhitespaces {
        while pos < s.count {
          let (r, n) = prefix()
          if r != [0x20] { break }
          pos += n
        }
      }
      guard pos < s.count else { return }
      if addDummyPrefix { out += escapeWhitespaces ? Self.space : [0x20] }
      var previousSpace = removeExtraWhitespaces
      while pos < s.count {
        var (r, n) = prefix()
        pos += n
        if previousSpace {
          let lead = r.prefix { $0 == 0x20 }.count
          r.removeFirst(lead)
        }
        guard !r.isEmpty else { continue }
        for b in r {
          if escapeWhitespaces && b == 0x20 { out += Self.space } else { out.append(b) }
        }
        previousSpace = removeExtraWhitespaces && r.last == 0x20
      }
      if removeExtraWhitespaces {
        let tail: [UInt8] = escapeWhitespaces ? Self.space : [0x20]
        while out.count >= tail.count && Array(out.suffix(tail.count)) == tail {
          out.removeLast(tail.count)
        }
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Length of the valid UTF-8 sequence at `i`, or 0 when malformed.
  static func utf8Length(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    let b = s[i]
    let n: Int
    if b < 0x80 {
      return 1
    } else if b >> 5 == 0b110 {
      n = 2
    } else if b >> 4 == 0b1110 {
      n = 3
    } else if b >> 3 == 0b11110 {
      n = 4
    } else {
      return 0
    }
    guard i + n <= s.count else { return 0 }
    for k in 1..<n where s[i + k] >> 6 != 0b10 { return 0 }
    return n
  }
}
