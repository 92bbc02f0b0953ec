import Tensors

/// Fully connected layer: y = x·Wᵀ + b over the last dimension. `weight` is `[out, in]` as in
/// PyTorch (`nn.Linear`), so checkpoint tensors need no transpose.
///
/// ```swift
/// var rng = RandomStream(seed: 0, name: "init")
/// let proj = Linear(384, 512, stream: &rng)
/// let y = proj(x)      // x: [B, L, 384] → [B, L, 512]
/// ```
public final class Linear: Module {
  public let weight: Parameter
  public let bias: Parameter?

  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, stream: inout RandomStream)
  {
    let bound = 1 / Float(inFeatures).squareRoot()
    weight = Parameter(Init.uniform([outFeatures, inFeatures], bound: bound, stream: &stream))
    self.bias = bias ? Parameter(Init.uniform([outFeatures], bound: bound, stream: &stream)) : nil
  }

  public var ownParameters: [(String, Parameter)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    x.linear(weight: weight.value, bias: bias?.value)
  }
}

/// 2-D convolution over NHWC images. `weight` is stored OHWI `[out, kh, kw, in]` (the layout our
/// NHWC kernels want); checkpoints hold PyTorch's OIHW and are transposed at load/save.
public final class Conv2d: Module {
  public let weight: Parameter
  public let bias: Parameter?
  public let stride: Int
  public let padding: Int

  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    bias: Bool = true, stream: inout RandomStream
  ) {
    let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
    weight = Parameter(
      Init.uniform(
        [outChannels, kernelSize, kernelSize, inChannels], bound: bound, stream: &stream))
    self.bias = bias ? Parameter(Init.uniform([outChannels], bound: bound, stream: &stream)) : nil
    self.stride = stride
    self.padding = padding
  }

  public var ownParameters: [(String, Parameter)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    x.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
  }
}

/// Lookup table `[count, dim]` (PyTorch `nn.Embedding`, N(0, 1) init).
public final class Embedding: Module {
  public let weight: Parameter

  public init(_ count: Int, _ dim: Int, stream: inout RandomStream) {
    weight = Parameter(Tensor.randomNormal([count, dim], stream: &stream))
  }

  public var ownParameters: [(String, Parameter)] { [("weight", weight)] }

  public func callAsFunction(_ indices: [Int]) -> Tensor { weight.value.gatherRows(indices) }
}
