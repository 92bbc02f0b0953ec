import Tensors
import Testing

@testable import TextEncoding

@Suite struct EncoderKernelTests {
  /// The vectorised GELU against the engine's scalar `erff` GELU (the reference), over
  /// [−12, 12] including the tails and a length that is not a multiple of 8 or of a chunk.
  @Test func geluMatchesReference() {
    let n = 100_003
    let x = Tensor(shape: [n], scalars: (0..<n).map { -12 + 24 * Float($0) / Float(n - 1) })
    let fast = EncoderKernels.geluErf(x).scalars
    let reference = withNoGrad { x.gelu(approximation: .none) }.scalars
    let worst = zip(fast, reference).map { abs($0 - $1) }.max()!
    #expect(worst <= 2e-6, "max |Δ| = \(worst)")
    #expect(fast[n / 2] == 0 || abs(fast[n / 2]) < 1e-6)
  }
}
