import NN
import Tensors

/// diffusers `ResnetBlock2D` (time_embedding_norm "default"), NHWC:
/// h = conv1(silu(norm1(x))) + time_emb_proj(silu(temb)); h = conv2(silu(norm2(h)));
/// out = shortcut(x) + h, with a 1×1 `conv_shortcut` when the channel count changes.
public final class ResnetBlock2D: Module {
  public let norm1: GroupNorm
  public let conv1: Conv2d
  public let timeEmbProj: Linear
  public let norm2: GroupNorm
  public let conv2: Conv2d
  public let convShortcut: Conv2d?

  public init(
    _ inChannels: Int, _ outChannels: Int, timeEmbedDim: Int, groups: Int, eps: Float,
    stream: inout RandomStream
  ) {
    norm1 = GroupNorm(groups: groups, channels: inChannels, eps: eps)
    conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, stream: &stream)
    timeEmbProj = Linear(timeEmbedDim, outChannels, stream: &stream)
    norm2 = GroupNorm(groups: groups, channels: outChannels, eps: eps)
    conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, stream: &stream)
    convShortcut =
      inChannels == outChannels
      ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, stream: &stream)
  }

  public var children: [(String, any Module)] {
    var c: [(String, any Module)] = [
      ("norm1", norm1), ("conv1", conv1), ("time_emb_proj", timeEmbProj), ("norm2", norm2),
      ("conv2", conv2),
    ]
    if let convShortcut { c.append(("conv_shortcut", convShortcut)) }
    return c
  }

  /// `x [B, H, W, Cin]`, `tembActivated = silu(temb) [B, T]` (shared by every block).
  public func callAsFunction(_ x: Tensor, tembActivated: Tensor) -> Tensor {
    var h = conv1(norm1(x, silu: true))
    let t = timeEmbProj(tembActivated)
    h = h + t.reshaped(to: [t.shape[0], 1, 1, t.shape[1]])
    h = conv2(norm2(h, silu: true))
    return (convShortcut?(x) ?? x) + h
  }
}

/// Stride-2 3×3 convolution (diffusers `Downsample2D`, `use_conv=True`, padding 1).
public final class Downsample2D: Module {
  public let conv: Conv2d
  public init(_ channels: Int, stream: inout RandomStream) {
    conv = Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, stream: &stream)
  }
  public var children: [(String, any Module)] { [("conv", conv)] }
  public func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}

/// Nearest 2× upsampling then a 3×3 convolution (diffusers `Upsample2D`, `use_conv=True`).
public final class Upsample2D: Module {
  public let conv: Conv2d
  public init(_ channels: Int, stream: inout RandomStream) {
    conv = Conv2d(channels, channels, kernelSize: 3, padding: 1, stream: &stream)
  }
  public var children: [(String, any Module)] { [("conv", conv)] }
  public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.upsampledNearest2x()) }
}
