import Testing

@testable import Tensors

/// Products with operands already rounded to bf16 against the fp32 operands at `.bf16`
/// precision (rounded inside the call): the same roundings and kernels, so bit-identical.
@Suite struct OneDNNMatmulBF16OperandTests {
  static let cases: [OneDNNMatmulCase] = [
    OneDNNMatmulCase(batch: 1, m: 37, n: 24, k: 16, transposeB: true, bias: true),  // linear
    OneDNNMatmulCase(batch: 1, m: 37, n: 16, k: 24),  // ∂x of a linear
    OneDNNMatmulCase(batch: 1, m: 24, n: 16, k: 2_500, transposeA: true),  // ∂W: K chunks
    OneDNNMatmulCase(batch: 3, m: 5, n: 7, k: 9, bBatchStride: 0, accumulate: true),
  ]

  @Test(arguments: cases, [false, true])
  func bf16OperandsMatchFP32Operands(_ t: OneDNNMatmulCase, bothBF16: Bool) {
    let a = oneDNNTestValues(t.aCount, seed: 11)
    let b = oneDNNTestValues(t.bCount, seed: 12)
    let bias = oneDNNTestValues(t.n, seed: 13)
    let c0 = oneDNNTestValues(t.cCount, seed: 14)
    let expected = t.run(a, b, bias, c0: c0, precision: .bf16)
    let ab = oneDNNBF16Bits(a)
    let bb = oneDNNBF16Bits(b)
    var c = c0
    ab.withUnsafeBufferPointer { ap in
      bb.withUnsafeBufferPointer { bp in
        b.withUnsafeBufferPointer { bf in
          bias.withUnsafeBufferPointer { biasp in
            c.withUnsafeMutableBufferPointer { cp in
              OneDNN.matmul(
                batch: t.batch, m: t.m, n: t.n, k: t.k, a: OneDNNOperand(bf16: ap.baseAddress!),
                transposeA: t.transposeA,
                b: bothBF16
                  ? OneDNNOperand(bf16: bp.baseAddress!) : OneDNNOperand(bf.baseAddress!),
                transposeB: t.transposeB, bBatchStride: t.bBatchStride, c: cp.baseAddress!,
                bias: t.bias ? biasp.baseAddress! : nil, accumulate: t.accumulate,
                precision: .bf16)
            }
          }
        }
      }
    }
    #expect(c == expected, "\(t)")
  }

  /// `Tensor.linear` at `.bf16` (x rounded once, kept as bf16) gives the numbers of the fp32
  /// operands at `.bf16`, forward (rounded once to bf16) and all three gradients.
  @Test(.precision(.bf16)) func linearAtBF16UsesTheSameNumbers() {
    let (rows, inF, outF) = (40, 24, 12)
    let xs = oneDNNTestValues(rows * inF, seed: 1)
    let ws = oneDNNTestValues(outF * inF, seed: 2)
    let bs = oneDNNTestValues(outF, seed: 3)
    let dys = oneDNNTestValues(rows * outF, seed: 4)
    let x = Parameter(Tensor(shape: [2, rows / 2, inF], scalars: xs))
    let w = Parameter(Tensor(shape: [outF, inF], scalars: ws))
    let b = Parameter(Tensor(shape: [outF], scalars: bs))
    let y = x.value.linear(weight: w.value, bias: b.value)
    let forward = OneDNNMatmulCase(batch: 1, m: rows, n: outF, k: inF, transposeB: true, bias: true)
    let zeros = { (n: Int) in [Float](repeating: 0, count: n) }
    // y is written as bf16: the fp32 result rounded once.
    #expect(y.dtype == .bf16)
    #expect(
      y.scalars
        == forward.run(xs, ws, bs, c0: zeros(rows * outF), precision: .bf16).map(roundedToBF16))
    (y * Tensor(shape: y.shape, scalars: dys)).sum().backward()
    let dx = OneDNNMatmulCase(batch: 1, m: rows, n: inF, k: outF)
    #expect(x.grad?.scalars == dx.run(dys, ws, [], c0: zeros(rows * inF), precision: .bf16))
    let dw = OneDNNMatmulCase(batch: 1, m: outF, n: inF, k: rows, transposeA: true)
    #expect(w.grad?.scalars == dw.run(dys, xs, [], c0: zeros(outF * inF), precision: .bf16))
    // ∂b = column sums of dy, which is bf16 as y is (the product y·dys arrives rounded).
    let db = (0..<outF).map { j in
      (0..<rows).reduce(Float(0)) { $0 + roundedToBF16(dys[$1 * outF + j]) }
    }
    let got = b.grad?.scalars ?? []
    #expect(got.count == outF && zip(got, db).allSatisfy { abs($0 - $1) <= 1e-5 })
  }
}
