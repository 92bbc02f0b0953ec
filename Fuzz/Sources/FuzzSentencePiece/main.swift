import Foundation
import FuzzSupport
import TextEncoding

/// The T5 test fixture's spiece.model, when the fuzzer runs from the repository root.
let fixture: SentencePieceTokenizer? = try? SentencePieceTokenizer(
  contentsOf: URL(fileURLWithPath: "Tests/TextEncodingTests/Fixtures/tiny-t5/spiece.model"))

/// libFuzzer: any bytes as a spiece.model (the protobuf reader and the tokenizer built from
/// it), and as text for the fixture's tokenizer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let model = try? SentencePieceModel(bytes: bytes),
    let tokenizer = try? SentencePieceTokenizer(model: model)
  {
    _ = tokenizer.encode("gold, metal; 金 water", maxLength: 16)
  }
  if let fixture {
    let text = String(decoding: bytes, as: UTF8.self)
    let t = fixture.encode(text, maxLength: 77)
    precondition(t.ids.count <= 77)
  }
  return 0
}

@_cdecl("FuzzSentencePiece_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
