import Testing

@testable import Tensors

// Fast oneDNN convolutions against the naive fp64 reference (ReferenceKernels).
// Error metric: max |fast − ref| / max |ref| over the tensor.
// f32: 1e-4. bf16: 1e-4 against the reference run on bf16-rounded operands (what bf16 with
// fp32 accumulation computes), and 1.5e-2 against the plain fp32 reference (bf16 keeps 8
// significant bits: each operand is off by ≤ 2⁻⁹ relative, so products by ≤ 2⁻⁸).

/// Deterministic values in [-1, 1) from a 64-bit LCG (Knuth MMIX constants).
func oneDNNTestValues(_ count: Int, seed: UInt64) -> [Float] {
  var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int64(bitPattern: state >> 11) - (1 << 52)) / Float(1 << 52)
  }
}

func oneDNNRelativeError(_ fast: [Float], _ reference: [Float]) -> Float {
  precondition(fast.count == reference.count)
  var maxDiff: Float = 0
  var maxRef: Float = 0
  for (f, r) in zip(fast, reference) {
    maxDiff = max(maxDiff, abs(f - r))
    maxRef = max(maxRef, abs(r))
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff
}

func oneDNNRoundedToBF16(_ x: [Float]) -> [Float] { x.map(oneDNNRoundToBF16) }

/// The bf16 bit patterns of `x`, rounded by `BF16Kernels` (operands for the bf16-operand tests).
func oneDNNBF16Bits(_ x: [Float]) -> [UInt16] {
  var out = [UInt16](repeating: 0, count: x.count)
  x.withUnsafeBufferPointer { s in
    out.withUnsafeMutableBufferPointer { d in
      BF16Kernels.round(s.baseAddress!, into: d.baseAddress!, count: s.count)
    }
  }
  return out
}

let oneDNNConvCases: [Conv2dGeometry] = [
  Conv2dGeometry(
    batch: 2, height: 5, width: 7, inChannels: 3, outChannels: 4, kernel: 3, padding: 1),
  Conv2dGeometry(batch: 1, height: 6, width: 6, inChannels: 8, outChannels: 16, kernel: 1),
  Conv2dGeometry(
    batch: 2, height: 7, width: 5, inChannels: 5, outChannels: 6, kernel: 3, stride: 2, padding: 1),
  Conv2dGeometry(
    batch: 1, height: 8, width: 8, inChannels: 16, outChannels: 8, kernel: 3, stride: 2),
  Conv2dGeometry(
    batch: 3, height: 9, width: 9, inChannels: 4, outChannels: 4, kernel: 1, stride: 2),
  Conv2dGeometry(
    batch: 2, height: 16, width: 16, inChannels: 32, outChannels: 32, kernel: 3, padding: 1),
  Conv2dGeometry(batch: 1, height: 4, width: 4, inChannels: 3, outChannels: 5, kernel: 3),
  Conv2dGeometry(
    batch: 1, height: 6, width: 9, inChannels: 16, outChannels: 24, kernelH: 3, kernelW: 1,
    strideH: 1, strideW: 2, padH: 1, padW: 0),
]

/// Operands for one geometry; `bf16` rounds them first (the reference then sees what the
/// bf16 kernel multiplies).
struct OneDNNConvOperands {
  var x, w, b, dy: [Float]
  init(_ g: Conv2dGeometry, seed: UInt64) {
    x = oneDNNTestValues(g.inputCount, seed: seed)
    w = oneDNNTestValues(g.weightCount, seed: seed + 1)
    b = oneDNNTestValues(g.outChannels, seed: seed + 2)
    dy = oneDNNTestValues(g.outputCount, seed: seed + 3)
  }
  var oneDNNRoundToBF16: OneDNNConvOperands {
    var r = self
    r.x = oneDNNRoundedToBF16(x)
    r.w = oneDNNRoundedToBF16(w)
    r.dy = oneDNNRoundedToBF16(dy)
    return r
  }
}

func oneDNNReferenceForward(_ g: Conv2dGeometry, _ o: OneDNNConvOperands, bias: Bool) -> [Float] {
  var y = [Float](repeating: .nan, count: g.outputCount)
  ReferenceKernels.conv2dForward(
    g, input: o.x, weight: o.w, bias: bias ? o.b : nil, output: &y)
  return y
}

func oneDNNFastForward(_ g: Conv2dGeometry, _ o: OneDNNConvOperands, bias: Bool, _ p: Precision)
  -> [Float]
{
  var y = [Float](repeating: .nan, count: g.outputCount)
  OneDNN.conv2dForward(
    g, input: o.x, weight: o.w, bias: bias ? o.b : nil, output: &y, precision: p)
  return y
}

func oneDNNReferenceBackwardData(_ g: Conv2dGeometry, _ o: OneDNNConvOperands) -> [Float] {
  var dx = [Float](repeating: .nan, count: g.inputCount)
  ReferenceKernels.conv2dBackwardData(g, gradOutput: o.dy, weight: o.w, gradInput: &dx)
  return dx
}

func oneDNNFastBackwardData(_ g: Conv2dGeometry, _ o: OneDNNConvOperands, _ p: Precision) -> [Float]
{
  var dx = [Float](repeating: .nan, count: g.inputCount)
  OneDNN.conv2dBackwardData(g, gradOutput: o.dy, weight: o.w, gradInput: &dx, precision: p)
  return dx
}

func oneDNNReferenceBackwardWeights(_ g: Conv2dGeometry, _ o: OneDNNConvOperands) -> (
  w: [Float], b: [Float]
) {
  var dw = [Float](repeating: .nan, count: g.weightCount)
  var db = [Float](repeating: .nan, count: g.outChannels)
  ReferenceKernels.conv2dBackwardWeights(
    g, input: o.x, gradOutput: o.dy, gradWeight: &dw, gradBias: &db)
  return (dw, db)
}

func oneDNNFastBackwardWeights(
  _ g: Conv2dGeometry, _ o: OneDNNConvOperands, bias: Bool, _ p: Precision
)
  -> (w: [Float], b: [Float])
{
  var dw = [Float](repeating: .nan, count: g.weightCount)
  var db = [Float](repeating: .nan, count: g.outChannels)
  if bias {
    OneDNN.conv2dBackwardWeights(
      g, input: o.x, gradOutput: o.dy, gradWeight: &dw, gradBias: &db, precision: p)
  } else {
    OneDNN.conv2dBackwardWeights(
      g, input: o.x, gradOutput: o.dy, gradWeight: &dw, gradBias: nil, precision: p)
  }
  return (dw, db)
}

@Suite struct OneDNNConvTests {
  @Test(arguments: oneDNNConvCases, [false, true])
  func forwardF32(_ g: Conv2dGeometry, bias: Bool) {
    let o = OneDNNConvOperands(g, seed: 11)
    let err = oneDNNRelativeError(
      oneDNNFastForward(g, o, bias: bias, .f32), oneDNNReferenceForward(g, o, bias: bias))
    #expect(err < 1e-4, "\(g) bias \(bias): relative error \(err)")
  }

  @Test(arguments: oneDNNConvCases)
  func backwardDataF32(_ g: Conv2dGeometry) {
    let o = OneDNNConvOperands(g, seed: 21)
    let err = oneDNNRelativeError(
      oneDNNFastBackwardData(g, o, .f32), oneDNNReferenceBackwardData(g, o))
    #expect(err < 1e-4, "\(g): relative error \(err)")
  }

  @Test(arguments: oneDNNConvCases, [false, true])
  func backwardWeightsF32(_ g: Conv2dGeometry, bias: Bool) {
    let o = OneDNNConvOperands(g, seed: 31)
    let fast = oneDNNFastBackwardWeights(g, o, bias: bias, .f32)
    let ref = oneDNNReferenceBackwardWeights(g, o)
    let errW = oneDNNRelativeError(fast.w, ref.w)
    #expect(errW < 1e-4, "\(g): dW relative error \(errW)")
    if bias {
      let errB = oneDNNRelativeError(fast.b, ref.b)
      #expect(errB < 1e-4, "\(g): dB relative error \(errB)")
    } else {
      #expect(fast.b.allSatisfy { $0.isNaN }, "gradBias nil must leave the buffer alone")
    }
  }

  @Test(arguments: oneDNNConvCases)
  func allDirectionsBF16(_ g: Conv2dGeometry) {
    let o = OneDNNConvOperands(g, seed: 41)
    let r = o.oneDNNRoundToBF16
    let y = oneDNNFastForward(g, o, bias: true, .bf16)
    #expect(oneDNNRelativeError(y, oneDNNReferenceForward(g, r, bias: true)) < 1e-4, "\(g) fwd")
    #expect(oneDNNRelativeError(y, oneDNNReferenceForward(g, o, bias: true)) < 1.5e-2, "\(g) fwd")
    let dx = oneDNNFastBackwardData(g, o, .bf16)
    #expect(oneDNNRelativeError(dx, oneDNNReferenceBackwardData(g, r)) < 1e-4, "\(g) bwd data")
    #expect(oneDNNRelativeError(dx, oneDNNReferenceBackwardData(g, o)) < 1.5e-2, "\(g) bwd data")
    let dw = oneDNNFastBackwardWeights(g, o, bias: true, .bf16)
    let refR = oneDNNReferenceBackwardWeights(g, r)
    #expect(oneDNNRelativeError(dw.w, refR.w) < 1e-4, "\(g) bwd weights")
    #expect(oneDNNRelativeError(dw.b, refR.b) < 1e-4, "\(g) bwd bias")
    #expect(
      oneDNNRelativeError(dw.w, oneDNNReferenceBackwardWeights(g, o).w) < 1.5e-2, "\(g) bwd w")
  }

  /// Output sizes follow PyTorch's floor rule, e.g. 7 rows, k3 s2 p1 → 4; 64, k3 s2 p1 → 32.
  @Test func geometryArithmetic() {
    let g = Conv2dGeometry(
      batch: 2, height: 7, width: 64, inChannels: 3, outChannels: 5, kernel: 3, stride: 2,
      padding: 1)
    #expect(g.outHeight == 4 && g.outWidth == 32)
    let expectedFlops: Double = 2 * 2 * 4 * 32 * 5 * 3 * 9
    #expect(g.flops == expectedFlops)
  }

  /// The plan cache: a second call with the same key builds nothing new.
  @Test func plansAreCached() {
    let g = Conv2dGeometry(batch: 1, height: 3, width: 3, inChannels: 2, outChannels: 2, kernel: 1)
    let o = OneDNNConvOperands(g, seed: 5)
    let first = oneDNNFastForward(g, o, bias: false, .f32)
    let count = OneDNNRuntime.shared.cachedPlanCount
    let second = oneDNNFastForward(g, o, bias: false, .f32)
    #expect(OneDNNRuntime.shared.cachedPlanCount >= count)
    #expect(first == second)
  }
}
