import Testing

@testable import Tensors

/// The bf16 attention path (bf16 operands, fp32 sums and softmax), taken by `Tensor.attention`
/// at bf16 precision where the CPU multiplies bf16 natively. Its products round q, k, v, dO,
/// P and dS to bf16 (8 significant bits, relative step 2⁻⁸ ≈ 0.4 %), so it is checked against
/// the fp32 path with a bf16 tolerance: 2 % of the largest magnitude of each result. Skipped
/// on CPUs without native bf16.
@Suite(.enabled(if: AttentionKernels.bf16Available)) struct AttentionBF16Tests {
  /// 230 queries against 300 keys take two query chunks; the mask drops every fifth key and the
  /// last 40 of the second batch element.
  static func run(_ precision: Precision) -> [[Float]] {
    var rng = AttentionTestRandom(state: 3)
    let (B, Lq, Lk, HD) = (2, 230, 300, 32)
    let q = Tensor(shape: [B, Lq, HD], scalars: rng.floats(B * Lq * HD)).requiringGrad()
    let k = Tensor(shape: [B, Lk, HD], scalars: rng.floats(B * Lk * HD)).requiringGrad()
    let v = Tensor(shape: [B, Lk, HD], scalars: rng.floats(B * Lk * HD)).requiringGrad()
    let w = Tensor(shape: [B, Lq, HD], scalars: rng.floats(B * Lq * HD))
    let mask = Tensor(
      shape: [B, Lk],
      scalars: (0..<(B * Lk)).map { n in
        let (b, j) = (n / Lk, n % Lk)
        return j % 5 == 1 || (b == 1 && j >= Lk - 40) ? 0 : 1
      })
    return ComputePrecision.with(precision) {
      let out = Tensor.attention(query: q, key: k, value: v, heads: 2, keyMask: mask)
      (out * w).sum().backward()
      return [out.scalars, q.grad!.scalars, k.grad!.scalars, v.grad!.scalars]
    }
  }

  @Test func staysWithinBF16ToleranceOfF32() {
    let bf16 = Self.run(.bf16)
    let f32 = Self.run(.f32)
    for (name, (a, b)) in zip(["out", "dq", "dk", "dv"], zip(bf16, f32)) {
      let scale = b.map { abs($0) }.max()!
      let worst = zip(a, b).map { abs($0 - $1) }.max()!
      #expect(worst <= 0.02 * scale, "\(name): \(worst) vs scale \(scale)")
      #expect(a != b, "\(name): the bf16 path was not taken")
    }
  }

  @Test func threadCountDoesNotChangeBits() {
    let one = Parallel.withThreadCount(1) { Self.run(.bf16) }
    let three = Parallel.withThreadCount(3) { Self.run(.bf16) }
    #expect(one == three)
  }
}
