import Foundation
import Tensors
import Testing

@testable import TextEncoding

/// A golden file written by scripts/reference/text_encoders.py: texts, their token ids and the
/// reference last hidden states (each text encoded alone, no padding).
struct Golden {
  let texts: [String]
  let ids: [[Int]]
  /// Per text `[n_i × d]`, row-major.
  let states: [[Float]]
  let dim: Int
  let maxLength: Int

  init(_ name: String) throws {
    let file = try SafeTensorsFile(contentsOf: fixture("\(name)_golden.safetensors"))
    texts = try JSONDecoder().decode([String].self, from: Data(file.metadata["texts"]!.utf8))
    maxLength = Int(file.metadata["max_length"]!)!
    let flat = try file.int64s("ids").map(Int.init)
    let offsets = try file.int64s("offsets").map(Int.init)
    let all = try file.floats("states")
    let d = try file.info("states").shape[1]
    dim = d
    ids = (0..<texts.count).map { Array(flat[offsets[$0]..<offsets[$0 + 1]]) }
    states = (0..<texts.count).map { Array(all[(offsets[$0] * d)..<(offsets[$0 + 1] * d)]) }
  }
}

func fixture(_ name: String) -> URL {
  Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
}

/// Encodes every golden text in one padded batch and compares ids exactly and states to `tol`.
func checkAgainstGolden(_ encoder: TextEncoder, _ golden: Golden, tol: Float = 1e-4) {
  let tokens = golden.texts.map { encoder.tokenizer.encode($0, maxLength: golden.maxLength) }
  for (i, t) in tokens.enumerated() {
    #expect(t.ids == golden.ids[i], "ids of \(golden.texts[i].debugDescription)")
  }
  let out = encoder.encode(ids: golden.ids)
  let L = out.hiddenStates.shape[1]
  let d = golden.dim
  #expect(out.hiddenStates.shape == [golden.texts.count, L, d])
  let h = out.hiddenStates.scalars
  var worst: Float = 0
  for (b, ref) in golden.states.enumerated() {
    let n = golden.ids[b].count
    for t in 0..<n {
      for k in 0..<d { worst = max(worst, abs(h[(b * L + t) * d + k] - ref[t * d + k])) }
    }
    // Padding is zeroed.
    for t in n..<L { for k in 0..<d { #expect(h[(b * L + t) * d + k] == 0) } }
  }
  #expect(worst <= tol, "max |Δ| = \(worst)")
}
