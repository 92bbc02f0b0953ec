import Tensors

/// Parameter initialisation, as PyTorch's defaults for the same layers, from a named stream.
public enum Init {
  /// U(−bound, bound): PyTorch's default for Linear and Conv (kaiming_uniform with a = √5 gives
  /// bound = 1/√fan_in for weights; biases use the same bound).
  public static func uniform(_ shape: [Int], bound: Float, stream: inout RandomStream) -> Tensor {
    Tensor.randomUniform(shape, stream: &stream) * (2 * bound) - bound
  }
}
