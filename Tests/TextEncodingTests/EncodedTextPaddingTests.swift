import Tensors
import Testing

@testable import TextEncoding

@Suite struct EncodedTextPaddingTests {
  @Test func padsWithZeroStatesAndZeroMask() {
    let states = Tensor(shape: [2, 2, 3], scalars: (1...12).map(Float.init))
    let mask = Tensor(shape: [2, 2], scalars: [1, 1, 1, 0])
    let e = EncodedText(
      hiddenStates: states, mask: mask, ids: [[5, 6], [7]], truncated: [false, false])
    let p = e.padded(to: 4)
    #expect(p.hiddenStates.shape == [2, 4, 3])
    #expect(p.mask.shape == [2, 4])
    #expect(p.mask.scalars == [1, 1, 0, 0, 1, 0, 0, 0])
    let h = p.hiddenStates.scalars
    #expect(Array(h[0..<6]) == (1...6).map(Float.init))
    #expect(h[6..<12].allSatisfy { $0 == 0 })
    #expect(Array(h[12..<18]) == (7...12).map(Float.init))
    #expect(h[18..<24].allSatisfy { $0 == 0 })
    #expect(p.tokenCounts == [2, 1])
  }

  @Test func sameLengthIsUnchanged() {
    let e = EncodedText(
      hiddenStates: Tensor.ones([1, 3, 2]), mask: Tensor.ones([1, 3]), ids: [[1, 2, 3]],
      truncated: [false])
    #expect(e.padded(to: 3).hiddenStates.shape == [1, 3, 2])
  }
}
