import Foundation
import Tensors
import Testing

@testable import TextEncoding

/// The default encoder, all-MiniLM-L6-v2, from the encoder cache. Skipped (with the message
/// below) when it is not installed; `scripts/setup` installs it.
@Suite(
  .enabled(
    if: EncoderCatalog.defaultIsInstalled,
    "all-MiniLM-L6-v2 is not in the encoder cache: run scripts/fetch-encoder"))
struct MiniLMTests {
  /// Golden ids and hidden states: transformers' BertTokenizer + BertModel (5.24.0) on 20 real
  /// cleaned Unihan definitions, from scripts/reference/text_encoders.py.
  @Test func matchesTransformers() throws {
    let encoder = try TextEncoder.load()
    #expect(
      encoder.hiddenSize == 384 && encoder.identity.hasPrefix("all-MiniLM-L6-v2@53aa51172d142c89"))
    checkAgainstGolden(encoder, try Golden("minilm"))
  }

  /// Mean-pooled embeddings: "gold" is closer to "metal" than to "water".
  @Test func goldIsCloserToMetalThanToWater() throws {
    let encoder = try TextEncoder.load()
    let pooled = TextEncoder.meanPooled(encoder.encode(["gold", "metal", "water"])).scalars
    func v(_ i: Int) -> [Float] { Array(pooled[(i * 384)..<((i + 1) * 384)]) }
    func cos(_ a: [Float], _ b: [Float]) -> Float {
      let dot = zip(a, b).map(*).reduce(0, +)
      return dot
        / (a.map { $0 * $0 }.reduce(0, +).squareRoot() * b.map { $0 * $0 }.reduce(0, +).squareRoot())
    }
    let metal = cos(v(0), v(1))
    let water = cos(v(0), v(2))
    #expect(metal > water, "cos(gold, metal) = \(metal), cos(gold, water) = \(water)")
  }

  @Test func longPromptIsTruncatedAndFlagged() throws {
    let encoder = try TextEncoder.load(maxLength: 8)
    let out = encoder.encode([String(repeating: "gold ", count: 20), ""])
    #expect(out.truncated == [true, false])
    #expect(out.tokenCounts == [8, 2])
    #expect(out.hiddenStates.shape == [2, 8, 384])
  }
}
