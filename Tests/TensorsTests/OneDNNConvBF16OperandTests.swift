import Testing

@testable import Tensors

/// The bf16-operand convolution entry points (x and dy rounded once by the caller) against the
/// fp32 entry points at `.bf16` precision (which round inside every call): the same roundings
/// and kernels, so the results must agree bit for bit, in every direction (the forward result,
/// written as bf16, equals the fp32 entry point's rounded once).
@Suite struct OneDNNConvBF16OperandTests {
  @Test(arguments: oneDNNConvCases)
  func bf16OperandsMatchFP32EntryPoints(_ g: Conv2dGeometry) {
    let o = OneDNNConvOperands(g, seed: 77)
    let xb = oneDNNBF16Bits(o.x)
    let dyb = oneDNNBF16Bits(o.dy)

    // The forward result is bf16: the fp32 entry point's result, rounded once.
    var y = [UInt16](repeating: 0xFFFF, count: g.outputCount)
    OneDNN.conv2dForward(g, inputBF16: xb, weight: o.w, bias: o.b, outputBF16: &y)
    #expect(y == oneDNNFastForward(g, o, bias: true, .bf16).map(bf16Bits), "\(g) fwd")

    var dx = [Float](repeating: .nan, count: g.inputCount)
    OneDNN.conv2dBackwardData(g, gradOutputBF16: dyb, weight: o.w, gradInput: &dx)
    #expect(dx == oneDNNFastBackwardData(g, o, .bf16), "\(g) bwd data")

    var dw = [Float](repeating: .nan, count: g.weightCount)
    var db = [Float](repeating: .nan, count: g.outChannels)
    OneDNN.conv2dBackwardWeights(
      g, inputBF16: xb, gradOutputBF16: dyb, gradWeight: &dw, gradBias: &db)
    let expected = oneDNNFastBackwardWeights(g, o, bias: true, .bf16)
    #expect(dw == expected.w, "\(g) bwd weights")
    #expect(db == expected.b, "\(g) bwd bias")
  }

  /// `Tensor.conv2d` at `.bf16` precision takes the bf16-operand path; its output and all three
  /// gradients equal the fp32 entry points at `.bf16`.
  @Test(.precision(.bf16)) func convOpAtBF16UsesTheSameNumbers() {
    let g = Conv2dGeometry(
      batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 8, kernel: 3, padding: 1)
    let o = OneDNNConvOperands(g, seed: 5)
    let x = Parameter(Tensor(shape: [2, 8, 8, 16], scalars: o.x))
    let w = Parameter(Tensor(shape: [8, 3, 3, 16], scalars: o.w))
    let b = Parameter(Tensor(shape: [8], scalars: o.b))
    let y = x.value.conv2d(weight: w.value, bias: b.value, padding: 1)
    #expect(y.dtype == .bf16)
    #expect(y.scalars == oneDNNFastForward(g, o, bias: true, .bf16).map(roundedToBF16))
    (y * Tensor(shape: y.shape, scalars: o.dy)).sum().backward()
    #expect(x.grad?.scalars == oneDNNFastBackwardData(g, o, .bf16))
    let expected = oneDNNFastBackwardWeights(g, o, bias: true, .bf16)
    #expect(w.grad?.scalars == expected.w)
    #expect(b.grad?.scalars == expected.b)
  }
}

/// x rounded to the nearest bf16, as fp32.
func roundedToBF16(_ x: Float) -> Float { floatFromBF16Bits(bf16Bits(x)) }
