import Foundation
import Testing

@testable import Tensors

/// Both kernels against PyTorch's `scaled_dot_product_attention` (float64, rounded to f32).
/// Golden file: Tests/TensorsTests/Fixtures/attention/attention_golden.safetensors, written by
/// scripts/reference/attention_fixtures.py (torch 2.13.0, seed 20231126).
@Suite struct AttentionGoldenTests {
  static let fixture = "attention/attention_golden.safetensors"

  @Test(arguments: ["masked", "cross"], [AttentionProblem.Kernel.reference, .fast])
  func matchesPyTorch(name: String, kernel: AttentionProblem.Kernel) throws {
    let file = try GoldenSafeTensors(fixture: Self.fixture)
    let q = try file.tensor("\(name).q")
    let k = try file.tensor("\(name).k")
    #expect(q.shape.count == 4 && k.shape.count == 4)
    let g = AttentionGeometry(
      batch: q.shape[0], heads: q.shape[2], queryLength: q.shape[1], keyLength: k.shape[1],
      headDim: q.shape[3])
    var problem = AttentionProblem(g, seed: 0)
    problem.q = q.floats
    problem.k = k.floats
    problem.v = try file.tensor("\(name).v").floats
    problem.gradOut = try file.tensor("\(name).grad_out").floats
    problem.mask = try file.tensor("\(name).mask").bytes
    let r = problem.run(kernel)
    #expect(attentionMismatch(r.out, try file.tensor("\(name).out").floats) <= 1)
    #expect(attentionMismatch(r.lse, try file.tensor("\(name).logsumexp").floats) <= 1)
    #expect(attentionMismatch(r.dq, try file.tensor("\(name).dq").floats) <= 1)
    #expect(attentionMismatch(r.dk, try file.tensor("\(name).dk").floats) <= 1)
    #expect(attentionMismatch(r.dv, try file.tensor("\(name).dv").floats) <= 1)
  }

  @Test func readerRejectsTruncatedFile() throws {
    let url = GoldenSafeTensors.url(for: Self.fixture)
    let data = try Data(contentsOf: url)
    #expect(throws: GoldenSafeTensors.Failure.self) {
      try GoldenSafeTensors(data: data.prefix(data.count - 100), name: "truncated")
    }
    #expect(throws: GoldenSafeTensors.Failure.self) {
      try GoldenSafeTensors(data: data.prefix(5), name: "tiny")
    }
  }
}

/// Minimal safetensors reader for the golden fixtures (8-byte little-endian header length, JSON
/// header {name: {dtype, shape, data_offsets}}, then the data). Only F32 and U8 are needed here.
struct GoldenSafeTensors {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  struct Entry {
    var shape: [Int]
    var dtype: String
    var bytes: [UInt8]

    var floats: [Float] {
      precondition(dtype == "F32", "not F32: \(dtype)")
      return bytes.withUnsafeBytes { raw in
        (0..<(bytes.count / 4)).map {
          Float(
            bitPattern: UInt32(
              littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
        }
      }
    }
  }

  let name: String
  private var entries: [String: Entry] = [:]

  static func url(for fixture: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures").appendingPathComponent(fixture)
  }

  init(fixture: String) throws {
    let url = Self.url(for: fixture)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw Failure(description: "\(url.path): cannot read")
    }
    try self.init(data: data, name: url.path)
  }

  init(data: Data, name: String) throws {
    self.name = name
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw Failure(description: "\(name): shorter than 8 bytes") }
    let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    guard headerLength <= bytes.count - 8 else {
      throw Failure(description: "\(name): header length \(headerLength) past the end")
    }
    let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)]))
    guard let table = header as? [String: Any] else {
      throw Failure(description: "\(name): header is not a JSON object")
    }
    let dataStart = 8 + headerLength
    for (key, value) in table where key != "__metadata__" {
      guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
        let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int],
        offsets.count == 2
      else { throw Failure(description: "\(name): malformed entry '\(key)'") }
      let (start, end) = (dataStart + offsets[0], dataStart + offsets[1])
      let width = ["F32": 4, "U8": 1][dtype]
      guard let width else { throw Failure(description: "\(name): '\(key)' has dtype \(dtype)") }
      guard start <= end, end <= bytes.count, end - start == width * shape.reduce(1, *) else {
        throw Failure(description: "\(name): '\(key)' data \(offsets) out of range or wrong size")
      }
      entries[key] = Entry(shape: shape, dtype: dtype, bytes: Array(bytes[start..<end]))
    }
  }

  func tensor(_ key: String) throws -> Entry {
    guard let entry = entries[key] else {
      throw Failure(description: "\(name): no tensor '\(key)'")
    }
    return entry
  }
}
