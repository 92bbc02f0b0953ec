import NN
import Tensors

/// Context shared by every block in one forward pass.
public struct UNetContext {
  /// silu(time embedding) `[B, T]`.
  public var temb: Tensor
  /// Projected text tokens `[B, L, crossAttentionDim]`; nil in a `UNet2DModel` (no attention).
  public var text: Tensor?
  /// Text padding mask `[B, L]` (1 = token).
  public var mask: Tensor?
}

/// diffusers `DownBlock2D` / `CrossAttnDownBlock2D`: resnets (each followed by a transformer in
/// the cross-attention kind), then a stride-2 downsampler unless it is the last block. Returns
/// the output and the skip tensors, one per layer plus the downsampler's.
public final class DownBlock: Module {
  public let resnets: [ResnetBlock2D]
  public let attentions: [Transformer2DModel]
  public let downsampler: Downsample2D?

  init(
    _ config: UNetConfig, index i: Int, inChannels: Int, outChannels: Int,
    stream: inout RandomStream
  ) {
    var r: [ResnetBlock2D] = []
    var a: [Transformer2DModel] = []
    for j in 0..<config.layersPerBlock {
      r.append(
        ResnetBlock2D(
          j == 0 ? inChannels : outChannels, outChannels, timeEmbedDim: config.timeEmbedDim,
          groups: config.normGroups, eps: config.normEps, stream: &stream))
      if config.downBlocks[i] == .crossAttention {
        a.append(
          Transformer2DModel(
            channels: outChannels, heads: config.attentionHeads[i],
            contextDim: config.crossAttentionDim, groups: config.normGroups, stream: &stream))
      }
    }
    resnets = r
    attentions = a
    downsampler =
      i == config.blockOutChannels.count - 1 ? nil : Downsample2D(outChannels, stream: &stream)
  }

  public var children: [(String, any Module)] {
    var c: [(String, any Module)] = resnets.enumerated().map {
      ("resnets.\($0.offset)", $0.element)
    }
    c += attentions.enumerated().map { ("attentions.\($0.offset)", $0.element) }
    if let downsampler { c.append(("downsamplers.0", downsampler)) }
    return c
  }

  func callAsFunction(_ x: Tensor, _ ctx: UNetContext) -> (Tensor, [Tensor]) {
    var h = x
    var skips: [Tensor] = []
    for (j, resnet) in resnets.enumerated() {
      h = resnet(h, tembActivated: ctx.temb)
      if !attentions.isEmpty { h = attentions[j](h, context: ctx.text!, mask: ctx.mask) }
      skips.append(h)
    }
    if let downsampler {
      h = downsampler(h)
      skips.append(h)
    }
    return (h, skips)
  }
}

/// diffusers `UNetMidBlock2DCrossAttn`: resnet → transformer → resnet; in a `UNet2DModel`,
/// `UNetMidBlock2D` with `add_attention: false`: resnet → resnet.
public final class MidBlock: Module {
  public let resnet0: ResnetBlock2D
  public let attention: Transformer2DModel?
  public let resnet1: ResnetBlock2D

  init(_ config: UNetConfig, stream: inout RandomStream) {
    let c = config.blockOutChannels.last!
    resnet0 = ResnetBlock2D(
      c, c, timeEmbedDim: config.timeEmbedDim, groups: config.normGroups, eps: config.normEps,
      stream: &stream)
    attention =
      config.takesText
      ? Transformer2DModel(
        channels: c, heads: config.attentionHeads.last!, contextDim: config.crossAttentionDim,
        groups: config.normGroups, stream: &stream) : nil
    resnet1 = ResnetBlock2D(
      c, c, timeEmbedDim: config.timeEmbedDim, groups: config.normGroups, eps: config.normEps,
      stream: &stream)
  }

  public var children: [(String, any Module)] {
    guard let attention else { return [("resnets.0", resnet0), ("resnets.1", resnet1)] }
    return [("resnets.0", resnet0), ("attentions.0", attention), ("resnets.1", resnet1)]
  }

  func callAsFunction(_ x: Tensor, _ ctx: UNetContext) -> Tensor {
    var h = resnet0(x, tembActivated: ctx.temb)
    if let attention { h = attention(h, context: ctx.text!, mask: ctx.mask) }
    return resnet1(h, tembActivated: ctx.temb)
  }
}

/// diffusers `UpBlock2D` / `CrossAttnUpBlock2D`: layersPerBlock + 1 resnets, each taking the
/// previous output concatenated (channels) with a skip tensor, popped last-first; then nearest
/// 2× upsampling + conv unless it is the last block.
public final class UpBlock: Module {
  public let resnets: [ResnetBlock2D]
  public let attentions: [Transformer2DModel]
  public let upsampler: Upsample2D?

  /// `i` counts up blocks from the bottom; channels as diffusers derives them.
  init(
    _ config: UNetConfig, index i: Int, prevOutputChannels: Int, outChannels: Int,
    inChannels: Int, stream: inout RandomStream
  ) {
    let layers = config.layersPerBlock + 1
    let heads = Array(config.attentionHeads.reversed())[i]
    var r: [ResnetBlock2D] = []
    var a: [Transformer2DModel] = []
    for j in 0..<layers {
      let skip = j == layers - 1 ? inChannels : outChannels
      let resIn = j == 0 ? prevOutputChannels : outChannels
      r.append(
        ResnetBlock2D(
          resIn + skip, outChannels, timeEmbedDim: config.timeEmbedDim, groups: config.normGroups,
          eps: config.normEps, stream: &stream))
      if config.upBlocks[i] == .crossAttention {
        a.append(
          Transformer2DModel(
            channels: outChannels, heads: heads, contextDim: config.crossAttentionDim,
            groups: config.normGroups, stream: &stream))
      }
    }
    resnets = r
    attentions = a
    upsampler =
      i == config.blockOutChannels.count - 1 ? nil : Upsample2D(outChannels, stream: &stream)
  }

  public var children: [(String, any Module)] {
    var c: [(String, any Module)] = resnets.enumerated().map {
      ("resnets.\($0.offset)", $0.element)
    }
    c += attentions.enumerated().map { ("attentions.\($0.offset)", $0.element) }
    if let upsampler { c.append(("upsamplers.0", upsampler)) }
    return c
  }

  func callAsFunction(_ x: Tensor, skips: inout [Tensor], _ ctx: UNetContext) -> Tensor {
    var h = x
    for (j, resnet) in resnets.enumerated() {
      let skip = skips.removeLast()
      h = resnet(Tensor.concatenate([h, skip], axis: 3), tembActivated: ctx.temb)
      if !attentions.isEmpty { h = attentions[j](h, context: ctx.text!, mask: ctx.mask) }
    }
    if let upsampler { h = upsampler(h) }
    return h
  }
}
