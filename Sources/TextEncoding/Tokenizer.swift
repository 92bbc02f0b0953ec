/// Token ids of one text and whether the text was cut to fit the maximum length.
public struct TokenizedText: Sendable, Equatable {
  public var ids: [Int]
  /// True when pieces beyond the maximum length were dropped.
  public var truncated: Bool

  public init(ids: [Int], truncated: Bool) {
    self.ids = ids
    self.truncated = truncated
  }
}

/// Text → token ids, with the model's special tokens and truncation to `maxLength` ids.
public protocol TextTokenizer: Sendable {
  /// Ids including special tokens (BERT: `[CLS] … [SEP]`, T5: `… </s>`), at most `maxLength`.
  func encode(_ text: String, maxLength: Int) -> TokenizedText
  /// The surface strings of ids (for display).
  func pieces(_ ids: [Int]) -> [String]
  var vocabularySize: Int { get }
}
