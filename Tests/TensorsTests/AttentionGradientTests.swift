import Testing

@testable import Tensors

/// Finite-difference check of `ReferenceAttention.backward` (the oracle the fast kernel is
/// tested against), for L = Σ out ∘ W:
///   dL/dv_j = Σ_i P_ij W_i,  dL/dS_ij = P_ij (W_i·v_j − Σ_k P_ik W_i·v_k),
///   dL/dq_i = scale Σ_j dS_ij k_j,  dL/dk_j = scale Σ_i dS_ij q_i.
/// Central differences with h = 1e-2 (truncation error O(h²) ≈ 1e-4 here; f32 rounding of out
/// adds ≈ 1e-5).
@Suite struct AttentionGradientTests {
  @Test func referenceBackwardMatchesFiniteDifferences() {
    let g = AttentionGeometry(batch: 2, heads: 2, queryLength: 3, keyLength: 4, headDim: 3)
    var problem = AttentionProblem(g, seed: 42)
    problem.mask = [1, 0, 1, 1] + [1, 1, 1, 0]
    let analytic = problem.run(.reference)
    let h: Float = 1e-2

    func loss(_ p: AttentionProblem) -> Double {
      let out = p.run(.reference).out
      return zip(out, p.gradOut).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    func check(_ path: WritableKeyPath<AttentionProblem, [Float]>, _ grad: [Float], _ name: String)
    {
      for n in 0..<problem[keyPath: path].count {
        var plus = problem
        plus[keyPath: path][n] += h
        var minus = problem
        minus[keyPath: path][n] -= h
        let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
        let error = abs(numeric - Double(grad[n]))
        #expect(error <= 1e-3 * (1 + abs(numeric)), "d\(name)[\(n)]: \(grad[n]) vs \(numeric)")
      }
    }
    check(\.q, analytic.dq, "q")
    check(\.k, analytic.dk, "k")
    check(\.v, analytic.dv, "v")
    // The masked keys (b0 j1, b1 j3) receive no gradient, and the check above is not vacuous.
    #expect(analytic.dk[1 * 6..<2 * 6].allSatisfy { $0 == 0 })
    #expect(analytic.dv[(4 + 3) * 6..<(4 + 4) * 6].allSatisfy { $0 == 0 })
    #expect(analytic.dq.contains { abs($0) > 1e-2 })
  }
}
