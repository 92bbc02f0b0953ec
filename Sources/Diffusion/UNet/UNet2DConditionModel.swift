import NN
import Tensors

/// The noise-prediction network, shaped and named like diffusers' `UNet2DConditionModel` so
/// state-dict keys and tensors correspond one to one (conv weights transposed OIHW ↔ OHWI at the
/// file edge). Images are NHWC inside; the model maps (x_t, t, text, mask) → ε̂ of x_t's shape.
///
/// With a `.unet2D` config it is diffusers' `UNet2DModel` instead (plain blocks, no text layers,
/// the same parameter names): (x, t) → output, called without text. The super-resolution stage
/// is one, its low-resolution input concatenated to x_t as channels.
///
/// ```swift
/// var rng = RandomStream(seed: 0, name: "init")
/// let unet = try UNet2DConditionModel(.tiny(), stream: &rng)
/// let eps = unet(xt, timesteps: [999, 10], text: tokens, mask: mask)
/// ```
public final class UNet2DConditionModel: Module {
  public let config: UNetConfig
  public let convIn: Conv2d
  public let timeEmbedding: TimestepEmbedding
  public let encoderHidProj: Linear?
  public let addEmbedding: TextTimeEmbedding?
  public let downBlocks: [DownBlock]
  public let midBlock: MidBlock
  public let upBlocks: [UpBlock]
  public let convNormOut: GroupNorm
  public let convOut: Conv2d

  public init(_ config: UNetConfig, stream: inout RandomStream) throws {
    try config.validate()
    self.config = config
    let ch = config.blockOutChannels
    convIn = Conv2d(config.inChannels, ch[0], kernelSize: 3, padding: 1, stream: &stream)
    timeEmbedding = TimestepEmbedding(ch[0], config.timeEmbedDim, stream: &stream)
    encoderHidProj = config.encoderHidDim.map {
      Linear($0, config.crossAttentionDim, stream: &stream)
    }
    addEmbedding =
      config.textTimeEmbedding
      ? TextTimeEmbedding(
        encoderDim: config.textDim, timeEmbedDim: config.timeEmbedDim,
        heads: config.additionEmbedHeads, stream: &stream) : nil
    var downs: [DownBlock] = []
    var outCh = ch[0]
    for i in 0..<ch.count {
      let inCh = outCh
      outCh = ch[i]
      downs.append(
        DownBlock(config, index: i, inChannels: inCh, outChannels: outCh, stream: &stream))
    }
    downBlocks = downs
    midBlock = MidBlock(config, stream: &stream)
    let rev = Array(ch.reversed())
    var ups: [UpBlock] = []
    outCh = rev[0]
    for i in 0..<ch.count {
      let prev = outCh
      outCh = rev[i]
      let inCh = rev[min(i + 1, ch.count - 1)]
      ups.append(
        UpBlock(
          config, index: i, prevOutputChannels: prev, outChannels: outCh, inChannels: inCh,
          stream: &stream))
    }
    upBlocks = ups
    convNormOut = GroupNorm(groups: config.normGroups, channels: ch[0], eps: config.normEps)
    convOut = Conv2d(ch[0], config.outChannels, kernelSize: 3, padding: 1, stream: &stream)
  }

  public var children: [(String, any Module)] {
    var c: [(String, any Module)] = [("conv_in", convIn), ("time_embedding", timeEmbedding)]
    if let encoderHidProj { c.append(("encoder_hid_proj", encoderHidProj)) }
    if let addEmbedding { c.append(("add_embedding", addEmbedding)) }
    c += downBlocks.enumerated().map { ("down_blocks.\($0.offset)", $0.element) }
    c.append(("mid_block", midBlock))
    c += upBlocks.enumerated().map { ("up_blocks.\($0.offset)", $0.element) }
    c += [("conv_norm_out", convNormOut), ("conv_out", convOut)]
    return c
  }

  /// ε̂ for `sample [B, H, W, inChannels]` at `timesteps` (one per sample), conditioned on
  /// `text [B, L, textDim]` with padding `mask [B, L]` (1 = token, 0 = padding). Always fp32.
  public func callAsFunction(
    _ sample: Tensor, timesteps: [Float], text: Tensor, mask: Tensor?
  ) -> Tensor {
    precondition(config.takesText, "UNet: a UNet2DModel takes no text")
    precondition(
      text.rank == 3 && text.shape[0] == sample.shape[0] && text.shape[2] == config.textDim,
      "UNet: text \(text.shape), expected [\(sample.shape[0]), L, \(config.textDim)]")
    return forward(sample, timesteps: timesteps, text: text, mask: mask)
  }

  /// A `UNet2DModel`'s output for `sample [B, H, W, inChannels]` at `timesteps`. Always fp32.
  public func callAsFunction(_ sample: Tensor, timesteps: [Float]) -> Tensor {
    precondition(!config.takesText, "UNet: a UNet2DConditionModel needs text")
    return forward(sample, timesteps: timesteps, text: nil, mask: nil)
  }

  func forward(_ sample: Tensor, timesteps: [Float], text: Tensor?, mask: Tensor?) -> Tensor {
    precondition(
      sample.rank == 4 && sample.shape[3] == config.inChannels, "UNet: sample \(sample.shape)")
    precondition(
      timesteps.count == sample.shape[0],
      "UNet: \(timesteps.count) timesteps for batch \(sample.shape[0])")
    let tFeatures = timestepFeatures(
      timesteps, dim: config.blockOutChannels[0], flipSinToCos: config.flipSinToCos,
      shift: config.freqShift)
    var emb = timeEmbedding(tFeatures)
    if let addEmbedding, let text { emb = emb + addEmbedding(text) }
    let projected = text.map { encoderHidProj?($0) ?? $0 }
    let ctx = UNetContext(temb: emb.silu(), text: projected, mask: mask)
    var h = convIn(sample)
    var skips = [h]
    for block in downBlocks {
      let (out, s) = block(h, ctx)
      h = out
      skips += s
    }
    h = midBlock(h, ctx)
    for block in upBlocks { h = block(h, skips: &skips, ctx) }
    // ε̂ leaves as fp32 (a bf16 `conv_out` writes bf16): the samplers' update steps, guidance's
    // cond − uncond and the loss then run in fp32, not rounded to bf16 after each operation.
    return convOut(convNormOut(h, silu: true)).converted(to: .f32)
  }
}
