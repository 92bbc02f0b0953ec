import Testing

@testable import Tensors

/// At bf16 precision a bf16 activation's gradient is bf16, as under PyTorch's autocast, and
/// each VJP reads the bf16 incoming gradient as it is. Per op: the same op on the widened fp32
/// input, from the same (bf16-valued) incoming gradient, gives an fp32 gradient; the bf16
/// input's gradient must be exactly that, rounded once.
@Suite(.precision(.bf16)) struct BF16GradientTests {
  static func normals(_ shape: [Int], seed: UInt64) -> Tensor {
    var stream = RandomStream(seed: seed, name: "bf16-gradients")
    return Tensor.randomNormal(shape, stream: &stream)
  }

  static func rounded(_ t: Tensor) -> [Float] { t.scalars.map(roundedToBF16) }

  /// Runs `op` on a bf16 input and on its fp32 widening; checks the forward results agree
  /// and returns the two inputs' gradients (bf16, fp32) from one bf16-valued seed.
  static func gradients(
    _ shape: [Int], seed: UInt64, _ op: (Tensor) -> Tensor
  ) -> (bf16: Tensor?, f32: Tensor?) {
    let b = normals(shape, seed: seed).converted(to: .bf16)
    let xb = b.requiringGrad()
    let xf = b.converted(to: .f32).requiringGrad()
    let yb = op(xb)
    let yf = op(xf)
    // The same numbers; rounded once where only the bf16 side's result is bf16.
    #expect(yb.scalars == (yf.dtype == .bf16 ? yf.scalars : rounded(yf)))
    let g = normals(yb.shape, seed: seed + 100).converted(to: .bf16)
    yb.backward(seed: g)
    yf.backward(seed: g)
    #expect(xb.grad?.dtype == .bf16)
    #expect(xf.grad?.dtype == .f32)
    return (xb.grad, xf.grad)
  }

  /// GroupNorm+SiLU: its output is bf16 at this precision, so dy arrives as bf16 on both sides.
  @Test(arguments: [12, 32])
  func groupNorm(channels c: Int) {
    let gamma = Self.normals([c], seed: 1) * 0.5 + 1
    let beta = Self.normals([c], seed: 2) * 0.25
    let (b, f) = Self.gradients([2, 6, 5, c], seed: 3) {
      $0.groupNorm(groups: 4, gamma: gamma, beta: beta, silu: true)
    }
    #expect(b?.scalars == f.map(Self.rounded))
  }

  /// LayerNorm feeding products (bf16 output) and GEGLU, widths with and without a tail.
  @Test(arguments: [20, 64])
  func rowKernels(width d: Int) {
    let gamma = Self.normals([d], seed: 4)
    let beta = Self.normals([d], seed: 5)
    let (lb, lf) = Self.gradients([3, 7, d], seed: 6) {
      $0.layerNorm(gamma: gamma, beta: beta, feedsProducts: true)
    }
    #expect(lb?.scalars == lf.map(Self.rounded))
    let (gb, gf) = Self.gradients([3, 7, d], seed: 7) { $0.geglu() }
    #expect(gb?.scalars == gf.map(Self.rounded))
  }

  /// Upsampling (its 2×2 sums read from bf16), concatenation (split gradients stay bf16),
  /// SiLU and a broadcast add whose [B, 1, 1, C] operand's gradient is a bf16 sum.
  @Test func shapeAndElementwiseOps() {
    let (ub, uf) = Self.gradients([2, 3, 5, 12], seed: 8) { $0.upsampledNearest2x() }
    #expect(ub?.scalars == uf.map(Self.rounded))
    let other = Self.normals([2, 3, 5, 4], seed: 9).converted(to: .bf16)
    let (cb, cf) = Self.gradients([2, 3, 5, 12], seed: 10) {
      Tensor.concatenate([$0, $0.dtype == .bf16 ? other : other.converted(to: .f32)], axis: 3)
    }
    #expect(cb?.scalars == cf.map(Self.rounded))
    let (sb, sf) = Self.gradients([5, 9001], seed: 11) { $0.silu() }
    #expect(sb?.scalars == sf.map(Self.rounded))
    let x = Self.normals([3, 4, 5, 13], seed: 12).converted(to: .bf16)
    let (tb, tf) = Self.gradients([3, 1, 1, 13], seed: 13) {
      ($0.dtype == .bf16 ? x : x.converted(to: .f32)) + $0
    }
    #expect(tb?.scalars == tf.map(Self.rounded))
  }

  /// Convolution and linear layer: a bf16 x gets a bf16 ∂x from the product itself (rounded
  /// once from its fp32 accumulation), equal to the fp32 x's ∂x rounded.
  @Test func productsWriteBF16InputGradients() {
    let w = Self.normals([8, 3, 3, 6], seed: 14) * 0.2
    let bias = Self.normals([8], seed: 15)
    let (cb, cf) = Self.gradients([2, 7, 6, 6], seed: 16) {
      $0.conv2d(weight: w, bias: bias, stride: 1, padding: 1)
    }
    #expect(cb?.scalars == cf.map(Self.rounded))
    let lw = Self.normals([12, 24], seed: 17) * 0.2
    let lbias = Self.normals([12], seed: 18)
    let (lb, lf) = Self.gradients([2, 20, 24], seed: 19) { $0.linear(weight: lw, bias: lbias) }
    #expect(lb?.scalars == lf.map(Self.rounded))
  }

  /// Gradients reaching one bf16 tensor from two uses are summed in bf16 (rounded once per
  /// sum, as PyTorch accumulates a bf16 tensor's gradient); a parameter's stay fp32.
  @Test func accumulationKeepsEachTensorsDType() {
    let x = Self.normals([4, 33], seed: 20).converted(to: .bf16).requiringGrad()
    let p = Parameter(Self.normals([4, 33], seed: 21))
    let y = x.silu() + x * p.value
    let g = Self.normals([4, 33], seed: 22)
    y.backward(seed: g)
    #expect(p.grad?.dtype == .f32)
    #expect(x.grad?.dtype == .bf16)
    // The two contributions as their VJPs return them: SiLU's from the add's gradient for
    // its bf16 operand (g rounded), bf16; the product's fp32, rounded when it is accumulated.
    #expect(y.dtype == .f32)
    let siluPart = Tensor.zipped(g.converted(to: .bf16), x.detached(), SiLUGradientKernel())
    let mulPart = Tensor.broadcastBinary(g, p.value.detached(), .mul)
    let expected = zip(
      siluPart.converted(to: .bf16).scalars, mulPart.converted(to: .bf16).scalars
    ).map { roundedToBF16($0 + $1) }
    #expect(x.grad?.scalars == expected)
  }
}
