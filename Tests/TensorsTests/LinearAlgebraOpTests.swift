import Testing

@testable import Tensors

/// Tensor-level conv/matmul/linear: forward against the reference kernels, VJPs by finite
/// differences (∂x = ∂y·W, ∂W = ∂yᵀ·x for linear; backward-data/-weights for conv).
@Suite(.precision(.f32)) struct LinearAlgebraOpTests {
  static func values(_ n: Int, seed: Int = 1) -> [Float] {
    (0..<n).map { i in Float(((i + seed) * 7919 + seed * 31) % 1009) / 500 - 1 }
  }

  @Test func linearForwardAndGradient() {
    let x = Tensor(shape: [2, 3, 5], scalars: Self.values(30))
    let w = Tensor(shape: [4, 5], scalars: Self.values(20, seed: 2))
    let b = Tensor(shape: [4], scalars: Self.values(4, seed: 3))
    let y = x.linear(weight: w, bias: b)
    #expect(y.shape == [2, 3, 4])
    var ref = [Float](repeating: 0, count: 24)
    let xs = x.scalars
    let ws = w.scalars
    let bs = b.scalars
    for r in 0..<6 {
      for o in 0..<4 {
        var s = bs[o]
        for i in 0..<5 { s += xs[r * 5 + i] * ws[o * 5 + i] }
        ref[r * 4 + o] = s
      }
    }
    #expect(zip(y.scalars, ref).allSatisfy { abs($0 - $1) < 1e-5 })
    let r = GradientCheck.check([x, w, b]) { $0[0].linear(weight: $0[1], bias: $0[2]) }
    #expect(r.passed, "\(r)")
  }

  @Test func batchedAndSharedMatmulGradients() {
    let a = Tensor(shape: [2, 3, 4], scalars: Self.values(24))
    let b = Tensor(shape: [2, 4, 5], scalars: Self.values(40, seed: 5))
    let shared = Tensor(shape: [4, 5], scalars: Self.values(20, seed: 7))
    #expect(GradientCheck.check([a, b]) { $0[0].matmul($0[1]) }.passed)
    #expect(GradientCheck.check([a, shared]) { $0[0].matmul($0[1]) }.passed)
    // Batched product equals per-batch reference.
    let c = a.matmul(b).scalars
    let (av, bv) = (a.scalars, b.scalars)
    for bi in 0..<2 {
      for i in 0..<3 {
        for j in 0..<5 {
          var s: Float = 0
          for k in 0..<4 { s += av[bi * 12 + i * 4 + k] * bv[bi * 20 + k * 5 + j] }
          #expect(abs(c[bi * 15 + i * 5 + j] - s) < 1e-5)
        }
      }
    }
  }

  @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0)])
  func conv2dForwardAndGradient(_ config: (Int, Int, Int)) {
    let (k, stride, pad) = config
    let x = Tensor(shape: [2, 5, 6, 3], scalars: Self.values(180))
    let w = Tensor(shape: [4, k, k, 3], scalars: Self.values(4 * k * k * 3, seed: 4))
    let b = Tensor(shape: [4], scalars: Self.values(4, seed: 6))
    let y = x.conv2d(weight: w, bias: b, stride: stride, padding: pad)
    let g = Conv2dGeometry(
      batch: 2, height: 5, width: 6, inChannels: 3, outChannels: 4, kernelH: k, kernelW: k,
      strideH: stride, strideW: stride, padH: pad, padW: pad)
    var ref = [Float](repeating: 0, count: y.scalarCount)
    x.scalars.withUnsafeBufferPointer { xp in
      w.scalars.withUnsafeBufferPointer { wp in
        b.scalars.withUnsafeBufferPointer { bp in
          ref.withUnsafeMutableBufferPointer { rp in
            ReferenceKernels.conv2dForward(
              g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: bp.baseAddress!,
              output: rp.baseAddress!)
          }
        }
      }
    }
    #expect(zip(y.scalars, ref).allSatisfy { abs($0 - $1) < 1e-4 })
    let r = GradientCheck.check([x, w, b]) {
      $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: pad)
    }
    #expect(r.passed, "\(r)")
  }
}

@Suite(.precision(.f32)) struct AttentionOpTests {
  @Test func attentionGradientAndMask() {
    let v = LinearAlgebraOpTests.values
    let q = Tensor(shape: [2, 3, 4], scalars: v(24, 1))
    let k = Tensor(shape: [2, 5, 4], scalars: v(40, 2))
    let val = Tensor(shape: [2, 5, 4], scalars: v(40, 3))
    let mask = Tensor(shape: [2, 5], scalars: [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
    let r = GradientCheck.check([q, k, val]) {
      Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, keyMask: mask)
    }
    #expect(r.passed, "\(r)")
    // Masked keys have no influence: changing them leaves the output unchanged.
    var k2 = k
    k2.withMutableFloats { b in for i in 12..<20 { b[i] = 100 } }
    let a = Tensor.attention(query: q, key: k, value: val, heads: 2, keyMask: mask)
    let b = Tensor.attention(query: q, key: k2, value: val, heads: 2, keyMask: mask)
    #expect(a.scalars == b.scalars)
    // Fused kernel = composite oracle, forward and gradients.
    let c = Tensor.attentionComposite(query: q, key: k, value: val, heads: 2, keyMask: mask)
    #expect(zip(a.scalars, c.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    let rc = GradientCheck.check([q, k, val]) {
      Tensor.attentionComposite(query: $0[0], key: $0[1], value: $0[2], heads: 2, keyMask: mask)
    }
    #expect(rc.passed, "\(rc)")
  }
}

@Suite struct FLOPCounterTests {
  @Test func countsConvLinearAndAttention() {
    let x = Tensor.zeros([2, 5, 6, 3])
    let w = Tensor.zeros([4, 3, 3, 3])
    let (_, conv) = FLOPCounter.count { _ = x.conv2d(weight: w, bias: nil, padding: 1) }
    let expectedConv: Double = 2 * 2 * 5 * 6 * 4 * 3 * 9  // 2·N·OH·OW·O·I·K²
    #expect(conv == expectedConv)
    let (_, lin) = FLOPCounter.count {
      _ = Tensor.zeros([7, 5]).linear(weight: Tensor.zeros([3, 5]), bias: nil)
    }
    let expectedLinear: Double = 2 * 7 * 3 * 5
    #expect(lin == expectedLinear)
    let q = Tensor.zeros([1, 4, 8])
    let (_, attn) = FLOPCounter.count { _ = Tensor.attention(query: q, key: q, value: q, heads: 2) }
    let geometry = AttentionGeometry(batch: 1, heads: 2, queryLength: 4, keyLength: 4, headDim: 4)
    #expect(attn == geometry.flops)
    let (_, none) = FLOPCounter.count { _ = x + x }
    #expect(none == 0)
  }
}
