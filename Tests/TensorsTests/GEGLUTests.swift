import Testing

@testable import Tensors

/// The fused GEGLU against its composition from `chunked`, `gelu` and `*` (the reference), in
/// f32: forward and gradient, with a half width that is not a multiple of the 8 SIMD lanes; at
/// bf16 precision the output is the f32 output rounded to bf16.
@Suite(.precision(.f32)) struct GEGLUTests {
  static func input(rows: Int, f: Int) -> Tensor {
    Tensor(
      shape: [rows / 3, 3, 2 * f],
      scalars: (0..<(rows * 2 * f)).map { Float(($0 * 7919) % 1013) / 250 - 2 })
  }

  @Test(arguments: [12, 16, 5])
  func fusedMatchesComposition(_ f: Int) {
    let h = Parameter(Self.input(rows: 9, f: f))
    let fused = h.value.geglu()
    let parts = h.value.chunked(2, axis: -1)
    let composed = parts[0] * parts[1].gelu()
    #expect(fused.shape == composed.shape)
    #expect(
      zip(fused.scalars, composed.scalars).allSatisfy { abs($0 - $1) <= 1e-6 + 1e-5 * abs($1) })

    let g = Tensor(
      shape: fused.shape, scalars: (0..<fused.scalarCount).map { Float($0 % 17) / 8 - 1 })
    (fused * g).sum().backward()
    let fusedGrad = h.grad!.scalars
    h.zeroGrad()
    (composed * g).sum().backward()
    let composedGrad = h.grad!.scalars
    #expect(
      zip(fusedGrad, composedGrad).allSatisfy { abs($0 - $1) <= 1e-6 + 1e-5 * abs($1) })
  }

  @Test func gradientMatchesFiniteDifferences() {
    let h = Self.input(rows: 3, f: 5) * 0.5
    let r = GradientCheck.check([h]) { $0[0].geglu() }
    #expect(r.passed, "\(r)")
  }

  @Test func bf16OutputIsTheRoundedF32Output() {
    let h = Self.input(rows: 6, f: 12)
    let f32 = h.geglu()
    let bf16 = ComputePrecision.with(.bf16) { h.geglu() }
    #expect(bf16.dtype == .bf16)
    #expect(
      bf16.scalars.map(\.bitPattern)
        == f32.scalars.map { floatFromBF16Bits(bf16Bits($0)).bitPattern })
  }
}
