import Testing

@testable import Tensors

/// The fp32 1×1 convolution weight gradient as chunked products (`pointwiseConvWeightGradient`),
/// on shapes with several chunks of pixels and a short last one (the shared conv cases have
/// one chunk at most).
@Suite struct PointwiseConvWeightsTests {
  /// 3·20·20 = 1,200 pixels: a chunk of 1,024 and one of 176. O·I = 12·9 is not a multiple
  /// of 8, so the final sums' vectors straddle dW and db.
  static let cases = [
    Conv2dGeometry(batch: 3, height: 20, width: 20, inChannels: 9, outChannels: 12, kernel: 1),
    Conv2dGeometry(batch: 2, height: 32, width: 32, inChannels: 16, outChannels: 8, kernel: 1),
  ]

  @Test(arguments: cases, [false, true])
  func matchesReferenceF32(_ g: Conv2dGeometry, bias: Bool) {
    #expect(OneDNN.isPointwise(g))
    let o = OneDNNConvOperands(g, seed: 91)
    let fast = oneDNNFastBackwardWeights(g, o, bias: bias, .f32)
    let ref = oneDNNReferenceBackwardWeights(g, o)
    #expect(oneDNNRelativeError(fast.w, ref.w) < 1e-5, "\(g) dW")
    if bias {
      #expect(oneDNNRelativeError(fast.b, ref.b) < 1e-5, "\(g) db")
    } else {
      #expect(fast.b.allSatisfy { $0.isNaN }, "gradBias nil must leave the buffer alone")
    }
  }

  /// Chunks are fixed by the shape and summed in order: 1 and 2 threads give the same bits.
  @Test(arguments: cases)
  func sameBitsForAnyThreadCount(_ g: Conv2dGeometry) {
    let o = OneDNNConvOperands(g, seed: 93)
    let one = Parallel.withThreadCount(1) { oneDNNFastBackwardWeights(g, o, bias: true, .f32) }
    let two = Parallel.withThreadCount(2) { oneDNNFastBackwardWeights(g, o, bias: true, .f32) }
    #expect(one.w == two.w && one.b == two.b, "\(g)")
  }
}
