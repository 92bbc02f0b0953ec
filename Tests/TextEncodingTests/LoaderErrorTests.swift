import Foundation
import Tensors
import Testing

@testable import TextEncoding

/// Bad encoder folders give errors that name the file and the tensor.
@Suite struct LoaderErrorTests {
  /// A scratch copy of the tiny BERT folder whose weights `edit` may rewrite.
  func scratchBERT(_ edit: (inout [SafeTensorsEntry]) -> Void) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bert-\(UUID())")
    try FileManager.default.copyItem(at: fixture("tiny-bert"), to: dir)
    let weights = dir.appendingPathComponent("model.safetensors")
    let file = try SafeTensorsFile(contentsOf: weights)
    var entries = try file.names.map { name in
      SafeTensorsEntry.f32(name, shape: try file.info(name).shape, try file.floats(name))
    }
    edit(&entries)
    try SafeTensors.write(entries, to: weights)
    return dir
  }

  @Test func wrongShapeNamesTheTensor() throws {
    let key = "encoder.layer.1.attention.self.key.weight"
    let dir = try scratchBERT { entries in
      let i = entries.firstIndex { $0.name == key }!
      entries[i] = .f32(key, shape: [16, 32], [Float](repeating: 0, count: 512))
    }
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("model.safetensors").path
    #expect(
      throws: TextEncodingError.shapeMismatch(
        path: path, key: key, expected: [32, 32], found: [16, 32])
    ) {
      try TextEncoder(folder: dir)
    }
  }

  @Test func missingTensorNamesIt() throws {
    let key = "embeddings.LayerNorm.bias"
    let dir = try scratchBERT { $0.removeAll { $0.name == key } }
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("model.safetensors").path
    #expect(throws: TextEncodingError.missingTensor(path: path, key: key)) {
      try TextEncoder(folder: dir)
    }
  }

  @Test func extraLayerIsUnexpected() throws {
    let key = "encoder.layer.2.output.dense.bias"
    let dir = try scratchBERT {
      $0.append(.f32(key, shape: [32], [Float](repeating: 0, count: 32)))
    }
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("model.safetensors").path
    #expect(throws: TextEncodingError.unexpectedTensor(path: path, key: key)) {
      try TextEncoder(folder: dir)
    }
  }

  @Test func checksumMismatchIsRefused() throws {
    #expect(throws: TextEncodingError.self) {
      try TextEncoder(
        folder: fixture("tiny-bert"), expectedSHA256: String(repeating: "0", count: 64))
    }
  }

  @Test func missingVocabularySaysWhatIsNeeded() throws {
    let dir = try scratchBERT { _ in }
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.removeItem(at: dir.appendingPathComponent("vocab.txt"))
    #expect(
      throws: TextEncodingError.missingFile(
        path: dir.appendingPathComponent("vocab.txt").path,
        hint: "A BERT folder needs vocab.txt or tokenizer.json.")
    ) {
      try TextEncoder(folder: dir)
    }
  }

  @Test func missingDefaultEncoderSaysWhatToRun() throws {
    let error = #expect(throws: TextEncodingError.self) {
      try EncoderCatalog.resolve("no-such-encoder-\(UUID())")
    }
    #expect("\(error!)".contains("--encoder PATH"))
  }
}
