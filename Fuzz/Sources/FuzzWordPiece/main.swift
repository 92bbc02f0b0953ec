import FuzzSupport
import TextEncoding

/// A small BERT vocabulary: the special tokens, single letters, a few words and continuations.
let tokenizer: WordPieceTokenizer = {
  let words = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "gold", "metal", "water", "un", "##able", "##s",
    "##ing", "tree", "金", "é", ",", ".",
  ]
  let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
  return try! WordPieceTokenizer(tokens: words + letters + letters.map { "##" + $0 })
}()

/// libFuzzer: any bytes (invalid UTF-8 repaired as Swift does) as a prompt, at two lengths. The
/// ids are bounded by the length, start with [CLS] and end with [SEP].
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  for maxLength in [2, 77] {
    let t = tokenizer.encode(text, maxLength: maxLength)
    precondition(t.ids.count <= maxLength && t.ids.first == tokenizer.clsID)
    precondition(t.ids.last == tokenizer.sepID)
  }
  return 0
}

@_cdecl("FuzzWordPiece_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
