import Foundation
import NN
import Tensors

/// The glyph judge: a small convolutional classifier that reads a glyph and names its Kangxi
/// radical (214 classes), with the total stroke count as an auxiliary regression head. Its
/// penultimate activations (`featureDim`, 256 by default) are the embedding in which
/// `glyffuser eval` measures Fréchet distance, KID, precision/recall and novelty — the role
/// Inception-v3 plays for FID, trained here on glyphs because ImageNet features know nothing of
/// strokes.
///
/// Six 3×3 convolutions with GroupNorm + SiLU (stride 2 at the 2nd, 4th and 6th: 32 → 16 → 8 → 4
/// px), flattened (radicals sit in a place — left, top, enclosing — so the layout is kept rather
/// than averaged away), a linear layer to the features + SiLU, then the two heads.
/// Input: NHWC `[B, S, S, 1]` in [−1, 1] (white = 1), the diffusion models' convention.
public final class GlyphJudge: Module {
  public let config: JudgeConfig
  let convs: ModuleList<Conv2d>
  let norms: ModuleList<GroupNorm>
  let features: Linear
  let radicalHead: Linear
  let strokeHead: Linear

  public init(_ config: JudgeConfig, stream: inout RandomStream) {
    self.config = config
    var convs: [Conv2d] = []
    var inChannels = 1
    for (i, c) in config.channels.enumerated() {
      convs.append(
        Conv2d(
          inChannels, c, kernelSize: 3, stride: i % 2 == 1 ? 2 : 1, padding: 1, stream: &stream))
      inChannels = c
    }
    self.convs = ModuleList(convs)
    norms = ModuleList(config.channels.map { GroupNorm(groups: config.groups, channels: $0) })
    let flat = config.finalSize * config.finalSize * inChannels
    features = Linear(flat, config.featureDim, stream: &stream)
    radicalHead = Linear(config.featureDim, config.radicals, stream: &stream)
    strokeHead = Linear(config.featureDim, 1, stream: &stream)
  }

  public var children: [(String, any Module)] {
    [
      ("convs", convs), ("norms", norms), ("features", features),
      ("radical_head", radicalHead), ("stroke_head", strokeHead),
    ]
  }

  /// What the judge says about a batch.
  public struct Output {
    /// `[B, featureDim]`: the embedding (after SiLU).
    public var features: Tensor
    /// `[B, 214]`: radical logits (class k = radical k + 1).
    public var radicalLogits: Tensor
    /// `[B, 1]`: strokes / strokeScale.
    public var strokes: Tensor
  }

  public func callAsFunction(_ x: Tensor) -> Output {
    precondition(
      x.rank == 4 && x.shape[1] == config.imageSize && x.shape[2] == config.imageSize
        && x.shape[3] == 1, "GlyphJudge: input \(x.shape)")
    var h = x
    for i in 0..<convs.count {
      h = norms[i](convs[i](h), silu: true)
    }
    let b = x.shape[0]
    h = h.reshaped(to: [b, h.scalarCount / b])
    let f = features(h).silu()
    return Output(features: f, radicalLogits: radicalHead(f), strokes: strokeHead(f))
  }
}

extension Tensor {
  /// Mean softmax cross-entropy of logits `[B, K]` against class indices, composed from
  /// differentiable ops: log p = z − log Σ exp z with z = logits − max (the row maximum is a
  /// constant shift, so it needs no gradient).
  public func crossEntropy(classes: [Int]) -> Tensor {
    precondition(rank == 2 && shape[0] == classes.count, "crossEntropy: \(shape)")
    let b = shape[0]
    let k = shape[1]
    let values = detached().scalars
    var maxima = [Float](repeating: 0, count: b)
    var oneHot = [Float](repeating: 0, count: b * k)
    for i in 0..<b {
      maxima[i] = values[(i * k)..<((i + 1) * k)].max() ?? 0
      oneHot[i * k + classes[i]] = 1
    }
    let z = self - Tensor(shape: [b, 1], scalars: maxima)
    let logSumExp = z.exp().sum(alongAxes: [1], keepingDims: true).log()
    let logP = z - logSumExp
    return (logP * Tensor(shape: [b, k], scalars: oneHot)).sum() * (-1 / Float(b))
  }
}
