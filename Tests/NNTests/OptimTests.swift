import Testing

@testable import NN
@testable import Tensors

@Suite struct OptimTests {
  /// Golden values from scripts/reference/optim.py (torch.optim.AdamW, torch 2.13.0+cpu).
  @Test func adamWMatchesPyTorch() {
    let p = Parameter(Tensor(shape: [5], scalars: [0.5, -1.25, 2.0, 0.0, 3.5]))
    let opt = AdamW([("p", p)])
    let grads: [[Float]] = [
      [0.1, -0.2, 0.3, 0.0, 1.0], [0.05, 0.4, -0.3, 0.2, -1.0], [1, 1, 1, 1, 1],
    ]
    let expected: [[Float]] = [
      [0.4899500012397766, -1.2398749589920044, 1.989799976348877, 0.0, 3.489650011062622],
      [
        0.4805791974067688, -1.2434120178222656, 1.9901273250579834, -0.007441367954015732,
        3.4898273944854736,
      ],
      [
        0.47338253259658813, -1.2502745389938354, 1.9842056035995483, -0.014832383953034878,
        3.4861204624176025,
      ],
    ]
    for (g, e) in zip(grads, expected) {
      p.grad = Tensor(shape: [5], scalars: g)
      opt.step(lr: 1e-2)
      for (a, b) in zip(p.value.scalars, e) { #expect(abs(a - b) <= 1e-6 + 1e-5 * abs(b)) }
    }
  }

  /// diffusers get_cosine_schedule_with_warmup(warmup 3, total 10), scripts/reference/optim.py.
  @Test func cosineScheduleMatchesDiffusers() {
    let expected: [Float] = [
      0.0, 0.3333333333333333, 0.6666666666666666, 1.0, 0.9504844339512095, 0.8117449009293668,
      0.6112604669781572, 0.38873953302184283, 0.18825509907063326, 0.04951556604879048, 0.0,
    ]
    let s = LRSchedule.cosine(warmup: 3, total: 10)
    for (i, e) in expected.enumerated() { #expect(abs(s.multiplier(step: i) - e) < 1e-6) }
    // Past the end it stays at 0 instead of following the cosine back up.
    #expect((11...40).allSatisfy { s.multiplier(step: $0) == 0 })
  }

  @Test func gradClipScalesToMaxNorm() {
    let a = Parameter(Tensor(shape: [2], scalars: [0, 0]))
    let b = Parameter(Tensor(shape: [1], scalars: [0]))
    a.grad = Tensor(shape: [2], scalars: [3, 0])
    b.grad = Tensor(shape: [1], scalars: [4])
    let norm = clipGradNorm([a, b], maxNorm: 1)
    #expect(abs(norm - 5) < 1e-6)
    #expect(abs(a.grad!.scalars[0] - 0.6) < 1e-5)
    #expect(abs(b.grad!.scalars[0] - 0.8) < 1e-5)
  }

  @Test func emaWarmupAndAverage() {
    let p = Parameter(Tensor(shape: [1], scalars: [0]))
    let ema = EMA([("p", p)], decay: 0.5, useWarmup: false)
    p.assign(Tensor(shape: [1], scalars: [1]))
    ema.update([("p", p)])  // 0.5·0 + 0.5·1
    #expect(ema.shadow["p"]!.scalars == [0.5])
    let warm = EMA([("p", p)], decay: 0.999)
    #expect(abs(warm.currentDecay - 0.1) < 1e-7)  // (1+0)/(10+0)
  }

  /// diffusers' `use_ema_warmup` (inv_gamma 1): 1 − (1 + t)^(−power), capped at `decay`; the
  /// first update copies the weights.
  @Test func inverseGammaWarmup() {
    let p = Parameter(Tensor(shape: [1], scalars: [0]))
    let ema = EMA([("p", p)], decay: 0.995, power: 2.0 / 3)
    #expect(ema.currentDecay == 0)
    p.assign(Tensor(shape: [1], scalars: [4]))
    ema.update([("p", p)])
    #expect(ema.shadow["p"]!.scalars == [4])
    for _ in 0..<998 { ema.update([("p", p)]) }
    // t = 999: 1 − 1000^(−2/3) = 0.99.
    #expect(abs(ema.currentDecay - 0.99) < 1e-6)
    for _ in 0..<100_000 { ema.update([("p", p)]) }
    #expect(ema.currentDecay == 0.995)
  }
}

/// A small conv net learns a fixed 3×3 blur: the loss must fall by 10× in 200 AdamW steps, with
/// fp32 and with bf16 products (bf16 has ~3 significant digits, so it may plateau higher).
@Suite struct ToyTrainingTests {
  final class Net: Module {
    let c1: Conv2d
    let n1: GroupNorm
    let c2: Conv2d
    let c3: Conv2d
    init(stream: inout RandomStream) {
      c1 = Conv2d(1, 16, kernelSize: 3, padding: 1, stream: &stream)
      n1 = GroupNorm(groups: 4, channels: 16)
      c2 = Conv2d(16, 16, kernelSize: 3, padding: 1, stream: &stream)
      c3 = Conv2d(16, 1, kernelSize: 1, stream: &stream)
    }
    var children: [(String, any Module)] { [("c1", c1), ("n1", n1), ("c2", c2), ("c3", c3)] }
    func callAsFunction(_ x: Tensor) -> Tensor { c3(c2(n1(c1(x), silu: true)).silu()) }
  }

  func train(_ precision: Precision) -> (Float, Float) {
    var initRNG = RandomStream(seed: 0, name: "init")
    var data = RandomStream(seed: 0, name: "data")
    let net = Net(stream: &initRNG)
    let blur = Tensor(shape: [1, 3, 3, 1], scalars: [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 })
    let opt = AdamW(net, config: .init(weightDecay: 0))
    var first: Float = 0
    var last: Float = 0
    ComputePrecision.with(precision) {
      for step in 0..<200 {
        let x = Tensor.randomNormal([8, 8, 8, 1], stream: &data)
        let y = withNoGrad { x.conv2d(weight: blur, bias: nil, padding: 1) }
        let loss = net(x).mseLoss(y)
        net.zeroGrad()
        loss.backward()
        clipGradNorm(net.parameters, maxNorm: 1)
        opt.step(lr: 3e-3)
        if step < 10 { first += loss.item / 10 }
        if step >= 190 { last += loss.item / 10 }
      }
    }
    return (first, last)
  }

  @Test(arguments: [Precision.f32, .bf16])
  func convNetLearnsBlur(_ precision: Precision) {
    let (first, last) = train(precision)
    #expect(last < first / 10, "\(precision): loss \(first) → \(last)")
  }
}
