import Foundation
import Testing

@testable import Tensors

@Suite struct GELUReferenceTests {
  /// The engine's exact GELU (vectorised rational erf) against glibc's scalar `erff`, the
  /// reference: ½x·(1 + erf(x/√2)) over [−12, 12], including the tails and a length that is not
  /// a multiple of 8 or of a parallel chunk. The BERT encoder uses this op, so its accuracy is the
  /// encoder's too.
  @Test func exactGELUMatchesScalarErf() {
    let n = 100_003
    let values = (0..<n).map { -12 + 24 * Float($0) / Float(n - 1) }
    let x = Tensor(shape: [n], scalars: values)
    let fast = withNoGrad { x.gelu(approximation: .none) }.scalars
    let reference = values.map { 0.5 * $0 * (1 + erff($0 * 0.707_106_77)) }
    let worst = zip(fast, reference).map { abs($0 - $1) }.max()!
    #expect(worst <= 2e-6, "max |Δ| = \(worst)")
    #expect(abs(fast[n / 2]) < 1e-6)
  }
}
