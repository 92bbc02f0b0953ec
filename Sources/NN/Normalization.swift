import Tensors

/// GroupNorm over NHWC channels (Wu & He 2018): per sample and group of C/G channels,
/// y = γ·(x − μ)/√(σ² + ε) + β; `silu` fuses the activation that follows it in ResNet blocks.
public final class GroupNorm: Module {
  public let groups: Int
  public let eps: Float
  public let weight: Parameter
  public let bias: Parameter

  public init(groups: Int, channels: Int, eps: Float = 1e-5) {
    precondition(channels % groups == 0, "GroupNorm: \(channels) channels, \(groups) groups")
    self.groups = groups
    self.eps = eps
    weight = Parameter(Tensor.ones([channels]))
    bias = Parameter(Tensor.zeros([channels]))
  }

  public var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias)] }

  public func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
    x.groupNorm(groups: groups, gamma: weight.value, beta: bias.value, eps: eps, silu: silu)
  }
}

/// LayerNorm over the last dimension (Ba et al. 2016): y = γ·(x − μ)/√(σ² + ε) + β.
public final class LayerNorm: Module {
  public let eps: Float
  public let weight: Parameter?
  public let bias: Parameter?

  public init(_ dim: Int, eps: Float = 1e-5, affine: Bool = true) {
    self.eps = eps
    weight = affine ? Parameter(Tensor.ones([dim])) : nil
    bias = affine ? Parameter(Tensor.zeros([dim])) : nil
  }

  public var ownParameters: [(String, Parameter)] {
    guard let weight, let bias else { return [] }
    return [("weight", weight), ("bias", bias)]
  }

  /// `feedsProducts`: see `Tensor.layerNorm` (bf16 output at bf16 precision).
  public func callAsFunction(_ x: Tensor, feedsProducts: Bool = false) -> Tensor {
    x.layerNorm(gamma: weight?.value, beta: bias?.value, eps: eps, feedsProducts: feedsProducts)
  }
}
