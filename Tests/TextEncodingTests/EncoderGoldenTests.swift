import Foundation
import Tensors
import Testing

@testable import TextEncoding

/// Randomly initialised tiny models from scripts/reference/text_encoders.py (transformers 5.24.0,
/// torch 2.13.0+cpu): ids equal, last hidden states within 1e-4, encoded as one padded batch.
@Suite struct EncoderGoldenTests {
  @Test func tinyBERT() throws {
    let encoder = try TextEncoder(folder: fixture("tiny-bert"), maxLength: 16)
    #expect(encoder.kind == "bert" && encoder.hiddenSize == 32)
    checkAgainstGolden(encoder, try Golden("tiny_bert"))
  }

  @Test func tinyT5ReLU() throws {
    let encoder = try TextEncoder(folder: fixture("tiny-t5"), maxLength: 16)
    #expect(encoder.kind == "t5")
    checkAgainstGolden(encoder, try Golden("tiny_t5"))
  }

  @Test func tinyT5GatedGELU() throws {
    let encoder = try TextEncoder(folder: fixture("tiny-t5-gated"), maxLength: 16)
    checkAgainstGolden(encoder, try Golden("tiny_t5_gated"))
  }

  /// transformers' T5Attention._relative_position_bucket(arange(−30, 31), bidirectional=True).
  @Test func relativePositionBuckets() {
    let b32: [Int] = [
      11, 11, 11, 11, 11, 11, 11, 11, 10, 10, 10, 10, 10, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8, 7, 6, 5,
      4, 3, 2, 1, 0, 17, 18, 19, 20, 21, 22, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 26,
      26, 26, 27, 27, 27, 27, 27, 27, 27, 27,
    ]
    let b8: [Int] = [
      3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 1, 0,
      5, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    ]
    #expect((-30...30).map { T5EncoderModel.bucket($0, buckets: 32, maxDistance: 128) } == b32)
    #expect((-30...30).map { T5EncoderModel.bucket($0, buckets: 8, maxDistance: 20) } == b8)
  }

  @Test func sentencePieceMatchesLibrary() throws {
    let golden = try Golden("tiny_t5")
    let tok = try SentencePieceTokenizer(contentsOf: fixture("tiny-t5/spiece.model"))
    #expect(tok.model.normalizerName == "nmt_nfkc" && !tok.model.precompiledCharsmap.isEmpty)
    for (text, ids) in zip(golden.texts, golden.ids) {
      #expect(tok.encode(text, maxLength: golden.maxLength).ids == ids, "\(text.debugDescription)")
    }
    #expect(tok.encode("", maxLength: 8) == TokenizedText(ids: [1], truncated: false))
  }

  @Test func corruptSpieceIsAnError() {
    #expect(throws: TextEncodingError.self) {
      try SentencePieceModel(bytes: [0x0A, 0x7F, 0x01])
    }
  }
}
