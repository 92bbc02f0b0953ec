import Testing

@testable import Tensors

/// Element-wise ops, norms and copies on bf16 activations (what bf16 convolutions and linear
/// layers return). Each reads bf16 as it is and computes in fp32, so its result must equal, bit
/// for bit, the fp32 op on the widened values: rounded once when the result is bf16 (every
/// tensor operand bf16), as it is when the result is fp32 (a fp32 operand takes part).
/// A bf16 tensor's gradient is bf16 (as in PyTorch): the fp32 gradient of the widened input,
/// rounded once.
/// Sizes cover the 8-lane tails, several rounding blocks (4096 values) and several threads'
/// chunks (32 Ki values).
@Suite(.precision(.f32)) struct BF16ActivationTests {
  static func normals(_ shape: [Int], seed: UInt64) -> Tensor {
    var stream = RandomStream(seed: seed, name: "bf16-activations")
    return Tensor.randomNormal(shape, stream: &stream)
  }

  /// A bf16 tensor and its exact fp32 widening.
  static func pair(_ shape: [Int], seed: UInt64) -> (bf16: Tensor, f32: Tensor) {
    let b = normals(shape, seed: seed).converted(to: .bf16)
    return (b, b.converted(to: .f32))
  }

  static func rounded(_ t: Tensor) -> [Float] { t.scalars.map(roundedToBF16) }

  @Test(arguments: [[13], [3, 5, 7, 8], [2, 101, 211]])
  func binaryOps(_ shape: [Int]) {
    let a = Self.pair(shape, seed: 1)
    let b = Self.pair(shape, seed: 2)
    let f = Self.normals(shape, seed: 3)
    for op in [BinaryOp.add, .sub, .mul, .div] {
      let both = Tensor.binary(a.bf16, b.bf16, op)
      #expect(both.dtype == .bf16, "\(op)")
      #expect(both.scalars == Self.rounded(Tensor.binary(a.f32, b.f32, op)), "\(op)")
      let mixed = Tensor.binary(a.bf16, f, op)
      #expect(mixed.dtype == .f32, "\(op)")
      #expect(mixed.scalars == Tensor.binary(a.f32, f, op).scalars, "\(op)")
      let scalar = Tensor.binary(a.bf16, Tensor(Float(1.5)), op)
      #expect(scalar.dtype == .bf16, "\(op)")
      #expect(scalar.scalars == Self.rounded(Tensor.binary(a.f32, Tensor(Float(1.5)), op)))
    }
  }

  /// The ResNet block's time-embedding add: [B, H, W, C] + [B, 1, 1, C], C with a tail.
  @Test(arguments: [8, 13])
  func broadcastRows(channels c: Int) {
    let x = Self.pair([3, 5, 4, c], seed: 4)
    let t = Self.pair([3, 1, 1, c], seed: 5)
    let sum = x.bf16 + t.bf16
    #expect(sum.dtype == .bf16)
    #expect(sum.scalars == Self.rounded(x.f32 + t.f32))
    let tf = Self.normals([3, 1, 1, c], seed: 6)
    #expect((x.bf16 + tf).scalars == (x.f32 + tf).scalars)
    #expect((tf - x.bf16).scalars == (tf - x.f32).scalars)
  }

  @Test func siluForwardAndGradient() {
    let x = Self.pair([5, 9001], seed: 7)
    let xb = x.bf16.requiringGrad()
    let xf = x.f32.requiringGrad()
    let yb = xb.silu()
    let yf = xf.silu()
    #expect(yb.dtype == .bf16)
    #expect(yb.scalars == Self.rounded(yf))
    // yb's gradient is bf16: both sides start from the same bf16 seed.
    let seed = Self.normals(yb.shape, seed: 8).converted(to: .bf16)
    yb.backward(seed: seed)
    yf.backward(seed: seed)
    #expect(xb.grad?.dtype == .bf16)
    #expect(xb.grad?.scalars == xf.grad.map(Self.rounded))
  }

  @Test func concatAndUpsampleKeepBF16() {
    let a = Self.pair([2, 3, 4, 5], seed: 9)
    let b = Self.pair([2, 3, 4, 3], seed: 10)
    let joined = Tensor.concatenate([a.bf16, b.bf16], axis: 3)
    #expect(joined.dtype == .bf16)
    #expect(joined.scalars == Tensor.concatenate([a.f32, b.f32], axis: 3).scalars)
    let mixed = Tensor.concatenate([a.bf16, b.f32], axis: 3)
    #expect(mixed.dtype == .f32)
    #expect(mixed.scalars == joined.scalars)
    let up = a.bf16.upsampledNearest2x()
    #expect(up.dtype == .bf16)
    #expect(up.scalars == a.f32.upsampledNearest2x().scalars)
  }

  /// GroupNorm(+SiLU) on a bf16 x: forward and all gradients equal those of the widened fp32
  /// x (the fp32 output here: at f32 precision), ∂x rounded to bf16. Equal numbers only: that the bf16 path is
  /// read without a conversion pass shows in the benchmarks, not here.
  @Test(arguments: [12, 32])
  func groupNormReadsBF16(channels c: Int) {
    let x = Self.pair([2, 6, 5, c], seed: 11)
    let gamma = Self.normals([c], seed: 12) * 0.5 + 1
    let beta = Self.normals([c], seed: 13) * 0.25
    let xb = x.bf16.requiringGrad()
    let xf = x.f32.requiringGrad()
    let (gb, gf) = (gamma.requiringGrad(), gamma.requiringGrad())
    let yb = xb.groupNorm(groups: 4, gamma: gb, beta: beta, silu: true)
    let yf = xf.groupNorm(groups: 4, gamma: gf, beta: beta, silu: true)
    #expect(yb.scalars == yf.scalars)
    let seed = Self.normals(yb.shape, seed: 14)
    yb.backward(seed: seed)
    yf.backward(seed: seed)
    #expect(xb.grad?.dtype == .bf16)
    #expect(xb.grad?.scalars == xf.grad.map(Self.rounded))
    #expect(gb.grad?.scalars == gf.grad?.scalars)
  }

  /// LayerNorm and GEGLU on a bf16 input (widened row by row into an fp32 buffer): the same
  /// numbers as on the widened fp32 input, forward and backward (widths with and without an
  /// 8-lane tail).
  @Test(arguments: [20, 64])
  func rowKernelsReadBF16(width d: Int) {
    let x = Self.pair([3, 7, d], seed: 15)
    let gamma = Self.normals([d], seed: 16)
    let beta = Self.normals([d], seed: 17)
    let seed = Self.normals([3, 7, d], seed: 18)
    let (xb, xf) = (x.bf16.requiringGrad(), x.f32.requiringGrad())
    let yb = xb.layerNorm(gamma: gamma, beta: beta)
    let yf = xf.layerNorm(gamma: gamma, beta: beta)
    #expect(yb.scalars == yf.scalars)
    yb.backward(seed: seed)
    yf.backward(seed: seed)
    #expect(xb.grad?.scalars == xf.grad.map(Self.rounded))

    let (hb, hf) = (x.bf16.requiringGrad(), x.f32.requiringGrad())
    let gb = hb.geglu()
    let gf = hf.geglu()
    #expect(gb.scalars == gf.scalars)
    let gSeed = Self.normals(gb.shape, seed: 19)
    gb.backward(seed: gSeed)
    gf.backward(seed: gSeed)
    #expect(hb.grad?.scalars == hf.grad.map(Self.rounded))
  }

  /// The in-register rounding against the scalar `bf16Bits` on the edge cases: ties (to even),
  /// carries into the exponent and to infinity, subnormals, ±0, ±∞ and NaNs (quiet or
  /// signalling, either sign, payloads that would carry).
  @Test func narrowMatchesScalarRounding() {
    let bits: [UInt32] = [
      0x3F80_8000, 0x3F81_8000, 0x3F80_7FFF, 0x3F80_8001, 0x3FFF_FFFF, 0x7F7F_FFFF, 0x7F7F_8000,
      0x0000_0001, 0x0000_8000, 0x0001_8000, 0x807F_FFFF, 0x0000_0000, 0x8000_0000, 0x7F80_0000,
      0xFF80_0000, 0x7F80_0001, 0x7FBF_FFFF, 0x7FC0_0000, 0x7FFF_FFFF, 0xFF80_0001, 0xFFFF_FFFF,
      0x7F80_8000, 0xC2F6_E979,
    ]
    var values = bits.map { Float(bitPattern: $0) }
    values += (0..<1000).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0 &* 2_654_435_761)) }
    while values.count % 8 != 0 { values.append(1) }
    var out = [UInt16](repeating: 0, count: values.count)
    out.withUnsafeMutableBufferPointer { o in
      for i in stride(from: 0, to: values.count, by: 8) {
        narrowBF16(Vec8(values[i..<(i + 8)]), o.baseAddress!, i)
      }
    }
    #expect(out == values.map(bf16Bits))
  }

  /// Unary ops keep a bf16 input's dtype, whether they run on vectors (`exp`) or one scalar at
  /// a time (`log`), rounded once from the fp32 result.
  @Test func unaryOpsKeepBF16() {
    let x = Self.pair([3, 1001], seed: 20)
    let xb = x.bf16 * x.bf16 + 0.5
    let xf = xb.converted(to: .f32)
    #expect(xb.dtype == .bf16)
    for (b, f) in [(xb.exp(), xf.exp()), (xb.log(), xf.log())] {
      #expect(b.dtype == .bf16)
      #expect(b.scalars == Self.rounded(f))
    }
  }
}
