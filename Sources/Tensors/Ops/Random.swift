/// Random tensors and dropout, drawn from a named Philox stream so results depend only on the
/// seed, the stream's name and its position — never on threads or on other streams.
extension Tensor {
  /// N(mean, std²) samples.
  public static func randomNormal(
    _ shape: [Int], mean: Float = 0, std: Float = 1, stream: inout RandomStream
  ) -> Tensor {
    var t = Tensor(uninitializedShape: shape)
    t.withMutableFloats { stream.fillNormal($0, mean: mean, std: std) }
    return t
  }

  /// U[0, 1) samples.
  public static func randomUniform(_ shape: [Int], stream: inout RandomStream) -> Tensor {
    var t = Tensor(uninitializedShape: shape)
    t.withMutableFloats { stream.fillUniform($0) }
    return t
  }

  /// Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p),
  /// so the expectation is unchanged; identity when p = 0. VJP: the same mask and scale.
  public func dropout(_ p: Float, stream: inout RandomStream) -> Tensor {
    precondition(p >= 0 && p < 1, "dropout probability \(p) must be in [0, 1)")
    if p == 0 { return self }
    let u = Tensor.randomUniform(shape, stream: &stream)
    let scale = 1 / (1 - p)
    let mask = u.mapped {
      $0.replacing(with: 0, where: $0 .< p).replacing(with: scale, where: $0 .>= p)
    }
    return self * mask
  }
}
