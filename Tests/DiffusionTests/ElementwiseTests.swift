import Tensors
import Testing

@testable import Diffusion

/// The fused sampler update against its naive oracle, for 1…5 terms (every code path).
@Test(arguments: 1...5)
func fusedCombineMatchesReference(terms: Int) {
  var rng = TestNormals(state: UInt64(terms))
  let ts = (0..<terms).map { _ in rng.next(shape: [3, 5, 7, 2]) }
  let cs = (0..<terms).map { Double($0) * 0.37 - 0.9 }
  let fast = Elementwise.combine(Array(zip(cs, ts)))
  let ref = Elementwise.combineReference(Array(zip(cs, ts)))
  #expect(fast.shape == [3, 5, 7, 2])
  #expect(fast.scalars == ref.scalars)  // same Double accumulation order: bit-identical
}

@Test func combineReadsStridedViews() {
  // A transposed (non-contiguous) view must be read in logical order.
  let base = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
  let view = base.transposed(0, 1)
  let out = Elementwise.combine((2, view))
  #expect(out.scalars == [2, 8, 4, 10, 6, 12])
}
