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
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures").appendingPathComponent(Self.fixture)
    let file = try SafeTensorsFile(contentsOf: url)
    let q = try file.info("\(name).q").shape
    let k = try file.info("\(name).k").shape
    try #require(q.count == 4 && k.count == 4)
    let g = AttentionGeometry(
      batch: q[0], heads: q[2], queryLength: q[1], keyLength: k[1], headDim: q[3])
    var problem = AttentionProblem(g, seed: 0)
    problem.q = try file.floats("\(name).q")
    problem.k = try file.floats("\(name).k")
    problem.v = try file.floats("\(name).v")
    problem.gradOut = try file.floats("\(name).grad_out")
    problem.mask = try file.uint8s("\(name).mask")
    let r = problem.run(kernel)
    #expect(attentionMismatch(r.out, try file.floats("\(name).out")) <= 1)
    #expect(attentionMismatch(r.lse, try file.floats("\(name).logsumexp")) <= 1)
    #expect(attentionMismatch(r.dq, try file.floats("\(name).dq")) <= 1)
    #expect(attentionMismatch(r.dk, try file.floats("\(name).dk")) <= 1)
    #expect(attentionMismatch(r.dv, try file.floats("\(name).dv")) <= 1)
  }
}
