import Tensors

/// Text (already encoded) → glyph images: the U-Net as a denoiser, classifier-free guidance, any
/// sampler. The seed of image i is `seed + i`, so every image can be regenerated alone.
public struct GlyphPipeline {
  /// Encoded prompts: tokens `[B, L, D]` and padding mask `[B, L]` (1 = token).
  public struct Conditioning {
    public var text: Tensor
    public var mask: Tensor
    public init(text: Tensor, mask: Tensor) {
      self.text = text
      self.mask = mask
    }
  }

  public let unet: UNet2DConditionModel
  public var settings: SamplerSettings

  public init(unet: UNet2DConditionModel, settings: SamplerSettings) {
    self.unet = unet
    self.settings = settings
  }

  /// Images in [−1, 1], `[B, S, S, 1]`, for `prompts` (B rows) with `empty` the encoding of the
  /// empty prompt (`[1, Le, D]`), used for guidance when `guidance != 1`.
  public func generate(
    prompts: Conditioning, empty: Conditioning, steps: Int, guidance: Float, seed: UInt64,
    guidanceRescale: Float = 0, onStep: TrajectoryCallback? = nil
  ) throws -> Tensor {
    let b = prompts.text.shape[0]
    let s = unet.config.sampleSize
    let sampler = try settings.makeSampler(steps: steps)
    let cfg = try ClassifierFreeGuidance(scale: guidance, rescale: guidanceRescale)
    let (condText, condMask, bothText, bothMask) = Self.batchedConditioning(prompts, empty, b)
    let unet = self.unet
    let model = cfg.guided { x, t, batch in
      withNoGrad {
        switch batch {
        case .conditional:
          return unet(
            x, timesteps: Array(repeating: t, count: x.shape[0]), text: condText, mask: condMask)
        case .conditionalAndUnconditional:
          return unet(
            x, timesteps: Array(repeating: t, count: x.shape[0]), text: bothText, mask: bothMask)
        }
      }
    }
    let seeds = (0..<b).map { seed &+ UInt64($0) }
    var start = PerSampleNoise(seeds: seeds, name: "sample")
    let z = start.next(shape: [b, s, s, unet.config.inChannels])
    var noise = PerSampleNoise(seeds: seeds, name: "sampler-noise")
    return try sampler.sample(
      fromUnitNoise: z, denoiser: settings.makeDenoiser(model: model), noise: &noise, onStep: onStep
    )
  }

  /// The conditional batch, and conditional + unconditional stacked (empty prompt repeated),
  /// padded to one token length with mask 0.
  static func batchedConditioning(_ c: Conditioning, _ e: Conditioning, _ b: Int)
    -> (Tensor, Tensor, Tensor, Tensor)
  {
    let l = max(c.text.shape[1], e.text.shape[1])
    func pad(_ t: Tensor, _ m: Tensor, rows: Int) -> (Tensor, Tensor) {
      var text = t
      var mask = m
      if t.shape[0] != rows {
        text = t.broadcasted(to: [rows, t.shape[1], t.shape[2]]).contiguous()
        mask = m.broadcasted(to: [rows, m.shape[1]]).contiguous()
      }
      let extra = l - t.shape[1]
      if extra > 0 {
        text = Tensor.concatenate([text, Tensor.zeros([rows, extra, t.shape[2]])], axis: 1)
        mask = Tensor.concatenate([mask, Tensor.zeros([rows, extra])], axis: 1)
      }
      return (text, mask)
    }
    let (ct, cm) = pad(c.text, c.mask, rows: b)
    let (et, em) = pad(e.text, e.mask, rows: b)
    return (
      c.text, c.mask, Tensor.concatenate([ct, et], axis: 0), Tensor.concatenate([cm, em], axis: 0)
    )
  }
}
