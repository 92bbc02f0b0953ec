import Testing

@testable import Tensors

@Suite struct TensorCoreTests {
  @Test func creationAndScalars() {
    let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(t.shape == [2, 3])
    #expect(t.scalars == [1, 2, 3, 4, 5, 6])
    #expect(Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
    #expect(Tensor.ones([3]).scalars == [1, 1, 1])
    #expect(Tensor.arange(4).scalars == [0, 1, 2, 3])
    #expect(Tensor(2.5).item == 2.5)
  }

  @Test func copyOnWriteKeepsViewsIndependent() {
    let a = Tensor(shape: [4], scalars: [1, 2, 3, 4])
    var b = a
    b.withMutableFloats { $0[0] = 100 }
    #expect(a.scalars == [1, 2, 3, 4])
    #expect(b.scalars == [100, 2, 3, 4])
  }

  @Test func permuteSliceAndReshapeAreViews() {
    let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let p = t.permuted([1, 0])
    #expect(p.shape == [3, 2])
    #expect(p.scalars == [1, 4, 2, 5, 3, 6])
    #expect(p.storage === t.storage)
    let s = t.slice(axis: 1, range: 1..<3)
    #expect(s.scalars == [2, 3, 5, 6])
    #expect(t.reshaped(to: [3, -1]).shape == [3, 2])
    let parts = t.split(sizes: [1, 2], axis: 1)
    #expect(parts[0].scalars == [1, 4])
    #expect(Tensor.concatenate(parts.reversed(), axis: 1).scalars == [2, 3, 1, 5, 6, 4])
  }

  @Test func broadcastingArithmetic() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let b = Tensor(shape: [3], scalars: [10, 20, 30])
    #expect((a + b).scalars == [11, 22, 33, 14, 25, 36])
    let c = Tensor(shape: [2, 1], scalars: [2, 3])
    #expect((a * c).scalars == [2, 4, 6, 12, 15, 18])
    #expect((1 - a).scalars == [0, -1, -2, -3, -4, -5])
    #expect((a / 2).scalars == [0.5, 1, 1.5, 2, 2.5, 3])
    // A long broadcast exercising the vector path and tails.
    let x = Tensor(shape: [3, 1, 19], scalars: (0..<57).map(Float.init))
    let y = Tensor(shape: [1, 5, 1], scalars: [1, 2, 3, 4, 5])
    let z = x - y
    #expect(z.shape == [3, 5, 19])
    let zs = z.scalars
    for i in 0..<3 {
      for j in 0..<5 {
        for k in 0..<19 { #expect(zs[(i * 5 + j) * 19 + k] == Float(i * 19 + k) - Float(j + 1)) }
      }
    }
  }

  @Test func reductions() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(a.sum().item == 21)
    #expect(a.mean().item == 3.5)
    #expect(a.sum(alongAxes: 0).scalars == [5, 7, 9])
    #expect(a.sum(alongAxes: 1, keepingDims: true).shape == [2, 1])
    #expect(a.mean(alongAxes: 1).scalars == [2, 5])
  }

  @Test func bfloat16RoundsToNearestEven() {
    let values: [Float] = [1, 1.00390625, 1.01171875, -3.14159, 1e-20, 65504]
    let t = Tensor(shape: [6], scalars: values).converted(to: .bf16)
    #expect(t.dtype == .bf16)
    let back = t.converted(to: .f32).scalars
    // 1.00390625 = 1 + 2⁻⁸ is a tie between 1 and 1 + 2⁻⁷: rounds to even (1).
    #expect(back[0] == 1)
    #expect(back[1] == 1)
    #expect(back[2] == 1.015625)
    for (v, b) in zip(values, back) { #expect(Swift.abs(v - b) <= Swift.abs(v) / 128) }
  }

  @Test func noGradRecordsNothing() {
    let x = Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
    let y = withNoGrad { x * x }
    #expect(!y.requiresGrad)
    #expect((x * x).requiresGrad)
  }

  @Test func gradientAccumulatesAcrossBackwardCalls() {
    let x = Tensor(shape: [3], scalars: [1, 2, 3]).requiringGrad()
    (x * x).sum().backward()  // d/dx Σx² = 2x
    #expect(x.grad?.scalars == [2, 4, 6])
    (x * 3).sum().backward()  // + 3
    #expect(x.grad?.scalars == [5, 7, 9])
  }

  @Test func parameterGradients() {
    let p = Parameter(Tensor(shape: [2], scalars: [3, -1]))
    let loss = (p.value * p.value * p.value).sum()  // d/dp p³ = 3p²
    loss.backward()
    #expect(p.grad?.scalars == [27, 3])
    p.zeroGrad()
    #expect(p.grad == nil)
  }
}

@Suite struct TensorRandomAndIOTests {
  @Test func randomNormalIsReproducibleAndDropoutKeepsExpectation() {
    var s1 = RandomStream(seed: 7, name: "noise")
    var s2 = RandomStream(seed: 7, name: "noise")
    let a = Tensor.randomNormal([1000], stream: &s1)
    #expect(a.scalars == Tensor.randomNormal([1000], stream: &s2).scalars)
    #expect(abs(a.mean().item) < 0.1)
    var d = RandomStream(seed: 1, name: "dropout")
    let y = Tensor.ones([100_000]).dropout(0.25, stream: &d)
    #expect(abs(y.mean().item - 1) < 0.02)
    let zeros = y.scalars.filter { $0 == 0 }.count
    #expect(abs(Float(zeros) / 100_000 - 0.25) < 0.01)
  }

  @Test func safeTensorsRoundTrip() throws {
    let t = Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 4, 5, 6])
    let bytes = try SafeTensors.serialize(
      [t.safeTensorsEntry(name: "w"), t.converted(to: .bf16).safeTensorsEntry(name: "h")],
      metadata: [:])
    let file = try SafeTensorsFile(bytes: bytes)
    #expect(try Tensor(safeTensors: file, name: "w").scalars == t.scalars)
    #expect(try Tensor(safeTensors: file, name: "h").scalars == t.scalars)
  }
}
