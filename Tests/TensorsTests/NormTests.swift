import Testing

@testable import Tensors

/// Fast GroupNorm/LayerNorm/softmax/upsample kernels against `ReferenceNorm` (f32, 1e-4 relative)
/// and finite-difference checks of their VJPs. In f32: at bf16 compute precision GroupNorm stores
/// its output as bf16 (tested on its own below).
@Suite(.precision(.f32)) struct NormTests {
  static func values(_ n: Int, seed: Int = 1) -> [Float] {
    (0..<n).map { i in Float(((i + seed) * 7919 + seed * 31) % 1009) / 250 - 2 }
  }

  static func close(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
  }

  @Test(arguments: [
    (2, 5, 16, 4, false), (3, 7, 12, 3, true), (1, 9, 64, 32, true), (2, 4, 20, 5, false),
  ])
  func groupNormMatchesReference(_ shape: (Int, Int, Int, Int, Bool)) {
    let (B, P, C, G, silu) = shape
    let x = Self.values(B * P * C)
    let gamma = Self.values(C, seed: 3).map { $0 / 2 + 1 }
    let beta = Self.values(C, seed: 5).map { $0 / 4 }
    let y = Tensor(shape: [B, P, 1, C], scalars: x).groupNorm(
      groups: G, gamma: Tensor(shape: [C], scalars: gamma), beta: Tensor(shape: [C], scalars: beta),
      silu: silu)
    let ref = ReferenceNorm.groupNorm(
      x, batch: B, pixels: P, channels: C, groups: G, eps: 1e-5, gamma: gamma, beta: beta,
      silu: silu)
    #expect(Self.close(y.scalars, ref))
  }

  /// 12 channels take the kernels' tail path, 16 their whole-vector loops.
  @Test(arguments: [false, true], [12, 16])
  func groupNormGradient(_ silu: Bool, channels C: Int) {
    let x = Tensor(shape: [2, 3, 2, C], scalars: Self.values(12 * C))
    let g = Tensor(shape: [C], scalars: Self.values(C, seed: 2).map { $0 / 2 + 1 })
    let b = Tensor(shape: [C], scalars: Self.values(C, seed: 4).map { $0 / 4 })
    let r = GradientCheck.check([x, g, b]) { t in
      t[0].groupNorm(groups: C / 4, gamma: t[1], beta: t[2], silu: silu)
    }
    #expect(r.passed, "\(r)")
  }

  @Test func layerNormMatchesReferenceAndGradient() {
    for d in [7, 16, 37] {
      let x = Self.values(5 * d)
      let gamma = Self.values(d, seed: 3)
      let beta = Self.values(d, seed: 9)
      let y = Tensor(shape: [5, d], scalars: x).layerNorm(
        gamma: Tensor(shape: [d], scalars: gamma), beta: Tensor(shape: [d], scalars: beta))
      #expect(
        Self.close(
          y.scalars,
          ReferenceNorm.layerNorm(x, rows: 5, dim: d, eps: 1e-5, gamma: gamma, beta: beta)))
    }
    let x = Tensor(shape: [3, 11], scalars: Self.values(33))
    let g = Tensor(shape: [11], scalars: Self.values(11, seed: 2))
    let b = Tensor(shape: [11], scalars: Self.values(11, seed: 7))
    let r = GradientCheck.check([x, g, b]) { t in t[0].layerNorm(gamma: t[1], beta: t[2]) }
    #expect(r.passed, "\(r)")
  }

  @Test func softmaxMatchesReferenceAndGradient() {
    for d in [3, 8, 77] {
      let x = Self.values(4 * d).map { $0 * 3 }
      let y = Tensor(shape: [4, d], scalars: x).softmax()
      #expect(Self.close(y.scalars, ReferenceNorm.softmax(x, rows: 4, dim: d)))
    }
    let r = GradientCheck.check([Tensor(shape: [3, 10], scalars: Self.values(30))]) {
      $0[0].softmax()
    }
    #expect(r.passed, "\(r)")
  }

  @Test func upsampleMatchesReferenceAndGradient() {
    let x = Self.values(2 * 3 * 5 * 4)
    let y = Tensor(shape: [2, 3, 5, 4], scalars: x).upsampledNearest2x()
    #expect(y.shape == [2, 6, 10, 4])
    #expect(
      y.scalars == ReferenceNorm.upsampleNearest2x(x, batch: 2, height: 3, width: 5, channels: 4))
    let r = GradientCheck.check([Tensor(shape: [1, 2, 3, 2], scalars: Self.values(12))]) {
      $0[0].upsampledNearest2x()
    }
    #expect(r.passed)
  }

  @Test func embeddingAndMSEGradients() {
    let table = Tensor(shape: [5, 3], scalars: Self.values(15))
    let r = GradientCheck.check([table]) { $0[0].gatherRows([4, 0, 4, 2]) }
    #expect(r.passed)
    let a = Tensor(shape: [2, 3], scalars: Self.values(6))
    let b = Tensor(shape: [2, 3], scalars: Self.values(6, seed: 9))
    #expect(GradientCheck.check([a, b]) { $0[0].mseLoss($0[1]) }.passed)
  }

  @Test func groupNormIsThreadCountIndependent() {
    // Batch-parallel with per-sample partials summed in order: the same bits as one thread.
    let x = Tensor(shape: [4, 8, 8, 32], scalars: Self.values(8192))
    let g = Tensor.ones([32])
    let b = Tensor.zeros([32])
    func run() -> [Float] {
      let xt = x.requiringGrad()
      let y = xt.groupNorm(groups: 8, gamma: g, beta: b, silu: true)
      (y * y).sum().backward()
      return y.scalars + xt.grad!.scalars + [y.sum().item]
    }
    let one = Parallel.withThreadCount(1) { run() }
    let four = Parallel.withThreadCount(4) { run() }
    #expect(one == four)
  }
}

/// At bf16 compute precision GroupNorm writes bf16: exactly the fp32 kernel's output rounded to
/// bf16 (what the convolution after it did to it before), with the same gradients.
@Suite struct GroupNormBF16OutputTests {
  @Test(arguments: [false, true])
  func bf16OutputIsTheRoundedFP32Output(_ silu: Bool) {
    let (B, P, C, G) = (2, 9, 24, 6)
    let x = Tensor(shape: [B, 3, 3, C], scalars: NormTests.values(B * P * C))
    let gamma = Tensor(shape: [C], scalars: NormTests.values(C, seed: 3).map { $0 / 2 + 1 })
    let beta = Tensor(shape: [C], scalars: NormTests.values(C, seed: 5).map { $0 / 4 })
    let f32 = ComputePrecision.with(.f32) {
      x.groupNorm(groups: G, gamma: gamma, beta: beta, silu: silu)
    }
    let bf16 = ComputePrecision.with(.bf16) {
      x.groupNorm(groups: G, gamma: gamma, beta: beta, silu: silu)
    }
    #expect(f32.dtype == .f32)
    #expect(bf16.dtype == .bf16)
    #expect(
      bf16.scalars.map(\.bitPattern)
        == f32.scalars.map { floatFromBF16Bits(bf16Bits($0)).bitPattern })
  }
}

/// LayerNorm with `feedsProducts` at bf16 precision writes the f32 output rounded to bf16; without
/// it, or at f32, it writes f32.
@Suite struct LayerNormBF16OutputTests {
  @Test func bf16OutputIsTheRoundedFP32Output() {
    let (rows, d) = (7, 20)
    let x = Tensor(shape: [rows, d], scalars: NormTests.values(rows * d))
    let gamma = Tensor(shape: [d], scalars: NormTests.values(d, seed: 3).map { $0 / 2 + 1 })
    let beta = Tensor(shape: [d], scalars: NormTests.values(d, seed: 5).map { $0 / 4 })
    let f32 = ComputePrecision.with(.f32) {
      x.layerNorm(gamma: gamma, beta: beta, feedsProducts: true)
    }
    let plain = ComputePrecision.with(.bf16) { x.layerNorm(gamma: gamma, beta: beta) }
    let bf16 = ComputePrecision.with(.bf16) {
      x.layerNorm(gamma: gamma, beta: beta, feedsProducts: true)
    }
    #expect(f32.dtype == .f32 && plain.dtype == .f32 && bf16.dtype == .bf16)
    #expect(plain.scalars == f32.scalars)
    #expect(
      bf16.scalars.map(\.bitPattern)
        == f32.scalars.map { floatFromBF16Bits(bf16Bits($0)).bitPattern })
  }
}
