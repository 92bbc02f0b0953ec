import Foundation
import NN
import Tensors

extension Trainer {
  /// The validation timesteps: t_k = ⌊(k + ½)·T/10⌋, k = 0…9 (mid-points of ten equal bins).
  public var validationTimesteps: [Int] {
    let n = schedule.trainTimesteps
    return (0..<10).map { (2 * $0 + 1) * n / 20 }
  }

  /// Unweighted MSE of the model's prediction on the held-out images (the first
  /// `validationImages` of the split), averaged over the 10 `validationTimesteps`, with noise
  /// drawn afresh from stream "validation" of the seed on every call: the same inputs every
  /// time, so successive values are comparable. Captions are never dropped. Nil without a
  /// held-out split.
  public func validationLoss() -> Float? {
    let val = Array(images.validationIndices.prefix(config.validationImages))
    guard !val.isEmpty else { return nil }
    var stream = RandomStream(seed: config.seed, name: "validation")
    let precision = Precision(rawValue: config.precision) ?? .f32
    var total = 0.0
    var count = 0
    withNoGrad {
      ComputePrecision.with(precision) {
        for t in validationTimesteps {
          let noiseAll = Tensor.randomNormal(
            [val.count, images.size, images.size, 1], stream: &stream)
          for lo in stride(from: 0, to: val.count, by: config.batchSize) {
            let hi = min(lo + config.batchSize, val.count)
            let idx = Array(val[lo..<hi])
            let x0 = images.batch(idx)
            let noise = noiseAll.slice(axis: 0, range: lo..<hi).contiguous()
            let ts = [Int](repeating: t, count: idx.count)
            let xt = schedule.addNoise(to: x0, noise: noise, timesteps: ts)
            let target = schedule.trainingTarget(
              config.prediction, x0: x0, noise: noise, timesteps: ts)
            let (text, mask) = captions.batch(indices: idx)
            let pred = model(xt, timesteps: ts.map(Float.init), text: text, mask: mask)
            total += Double(pred.mseLoss(target).item) * Double(idx.count)
            count += idx.count
          }
        }
      }
    }
    return Float(total / Double(count))
  }

  /// A preview grid with the EMA weights: one row per prompt, `columns` samples each, DDIM
  /// (η = 0, `sampleSteps` steps) with classifier-free guidance `sampleGuidance` against the
  /// empty prompt. Starting noise comes from the `sample` stream, which nothing else uses.
  public func sampleGrid(encoder: any PromptEncoder, columns: Int = 4) throws -> GreyscaleImage {
    let prompts = config.samplePrompts.flatMap { Array(repeating: $0, count: columns) }
    let n = prompts.count
    let (cond, condMask) = try encoder.encode(prompts)
    let (uncond, uncondMask) = try encoder.encode(Array(repeating: "", count: n))
    let both = Tensor.concatenate([cond, uncond], axis: 0)
    let bothMask = Tensor.concatenate([condMask, uncondMask], axis: 0)
    var settings = SamplerSettings(kind: .ddim, schedule: schedule)
    settings.prediction = config.prediction
    let sampler = try settings.makeSampler(steps: config.sampleSteps)
    let guidance = try ClassifierFreeGuidance(scale: config.sampleGuidance)
    let s = images.size
    let z = Tensor.randomNormal([n, s, s, 1], stream: &state.sample)
    let precision = Precision(rawValue: config.precision) ?? .f32
    let x0: Tensor = try withEMAWeights {
      try withNoGrad {
        try ComputePrecision.with(precision) {
          let denoiser = settings.makeDenoiser(
            model: guidance.guided { [model] x, t, batch in
              let doubled = batch == .conditionalAndUnconditional
              return model(
                x, timesteps: [Float](repeating: t, count: x.shape[0]),
                text: doubled ? both : cond, mask: doubled ? bothMask : condMask)
            })
          var noise = QueuedNoise([])
          return try sampler.sample(fromUnitNoise: z, denoiser: denoiser, noise: &noise)
        }
      }
    }
    let v = x0.scalars
    let tiles = (0..<n).map { i in
      GreyscaleImage(
        width: s, height: s,
        pixels: v[i * s * s..<(i + 1) * s * s].map {
          UInt8(max(0, min(255, (($0 + 1) * 127.5).rounded())))
        })
    }
    return GreyscaleImage.tiled(tiles, columns: columns)
  }
}
