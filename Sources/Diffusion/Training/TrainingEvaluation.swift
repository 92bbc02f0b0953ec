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
    let val = Array(examples.validationIndices.prefix(config.validationImages))
    guard !val.isEmpty else { return nil }
    var stream = RandomStream(seed: config.seed, name: "validation")
    let precision = Precision(rawValue: config.precision) ?? .f32
    var total = 0.0
    var count = 0
    withNoGrad {
      ComputePrecision.with(precision) {
        for t in validationTimesteps {
          let s = examples.sampleSize
          let noiseAll = Tensor.randomNormal([val.count, s, s, 1], stream: &stream)
          for lo in stride(from: 0, to: val.count, by: config.batchSize) {
            let hi = min(lo + config.batchSize, val.count)
            let idx = Array(val[lo..<hi])
            let batch = examples.validationBatch(idx)
            let x0 = batch.x0
            let noise = noiseAll.slice(axis: 0, range: lo..<hi).contiguous()
            let regression = config.superResolution?.objective == .regression
            let ts = [Int](repeating: regression ? 0 : t, count: idx.count)
            let xt =
              regression
              ? Tensor.zeros(x0.shape) : schedule.addNoise(to: x0, noise: noise, timesteps: ts)
            let target =
              regression
              ? x0 : schedule.trainingTarget(config.prediction, x0: x0, noise: noise, timesteps: ts)
            let pred = model(xt, timesteps: ts.map(Float.init), conditioning: batch.conditioning)
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
    let s = model.config.sampleSize
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

  /// A super-resolution run's preview with the EMA weights: per held-out glyph (the first
  /// `rows`), the low-resolution input upsampled bilinearly, the stage's output (DDIM,
  /// `sampleSteps` steps, no augmentation) and the real glyph, at full size.
  public func superResolutionGrid(_ pairs: SuperResolutionPairs, rows: Int = 4) throws
    -> GreyscaleImage
  {
    let idx = Array(pairs.validationIndices.prefix(rows))
    guard !idx.isEmpty, let settings = config.superResolution else {
      return GreyscaleImage(width: 1, height: 1, pixels: [255])
    }
    let low = pairs.lowResolution(idx)
    let stage = try SuperResolutionStage(
      unet: model,
      record: SuperResolutionStage.Record(
        factor: settings.factor, lowResolution: pairs.lowSize,
        trainingAugmentation: settings.augmentation, sampleAugmentation: 0, sampler: .ddim,
        steps: config.sampleSteps, objective: settings.objective),
      scheduler: try config.schedulerConfig())
    let precision = Precision(rawValue: config.precision) ?? .f32
    let out = try withEMAWeights {
      try ComputePrecision.with(precision) {
        try stage.upsample(low, seeds: idx.map { UInt64($0) })
      }
    }
    let bilinear = stage.condition(low, augmentation: 0, seeds: idx.map { UInt64($0) })
    let s = pairs.high.size
    func tile(_ v: ArraySlice<Float>) -> GreyscaleImage {
      GreyscaleImage(
        width: s, height: s,
        pixels: v.map { UInt8(max(0, min(255, (($0 + 1) * 127.5).rounded()))) })
    }
    let (b, o) = (bilinear.scalars, out.scalars)
    var tiles: [GreyscaleImage] = []
    for (k, i) in idx.enumerated() {
      let r = k * s * s..<(k + 1) * s * s
      tiles += [
        tile(b[r]), tile(o[r]),
        GreyscaleImage(
          width: s, height: s, pixels: Array(pairs.high.pixels[i * s * s..<(i + 1) * s * s])),
      ]
    }
    return GreyscaleImage.tiled(tiles, columns: 3)
  }
}
