import Foundation

/// Activations used by the U-Net and the text encoders, with VJPs.
extension Tensor {
  /// SiLU (swish): y = x·σ(x); y′ = σ(x)·(1 + x·(1 − σ(x))).
  public func silu() -> Tensor {
    var y = mapped(SiLUKernel())
    let x = self
    y.node = GradNode.make(self, op: "silu") { g in [Tensor.zipped(g, x, SiLUGradientKernel())] }
    return y
  }

  /// σ(x) = 1/(1+e^(−x)); σ′ = σ(1−σ).
  public func sigmoid() -> Tensor {
    var y = mapped(vsigmoid)
    let saved = y
    y.node = GradNode.make(self, op: "sigmoid") { g in
      [Tensor.zipped(g, saved) { $0 * $1 * (1 - $1) }]
    }
    return y
  }

  /// tanh x; tanh′ = 1 − tanh².
  public func tanh() -> Tensor {
    var y = mapped(vtanh)
    let saved = y
    y.node = GradNode.make(self, op: "tanh") { g in
      [Tensor.zipped(g, saved) { $0 * (1 - $1 * $1) }]
    }
    return y
  }

  /// max(x, 0); gradient 1 where x > 0.
  public func relu() -> Tensor {
    var y = mapped { $0.replacing(with: 0, where: $0 .< 0) }
    let x = self
    y.node = GradNode.make(self, op: "relu") { g in
      [Tensor.zipped(g, x) { g, x in g.replacing(with: 0, where: x .<= 0) }]
    }
    return y
  }

  public enum GELUApproximation: Sendable { case none, tanh }

  /// GELU (Hendrycks & Gimpel 2016). Exact: y = x·Φ(x), y′ = Φ(x) + x·φ(x).
  /// Tanh approximation (as `approximate="tanh"` in PyTorch): y = ½x(1 + tanh u),
  /// u = √(2/π)(x + 0.044715x³), y′ = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
  public func gelu(approximation: GELUApproximation = .none) -> Tensor {
    let x = self
    var y: Tensor
    switch approximation {
    case .none:
      y = mapped(GELUKernel())
    case .tanh:
      y = mapped { x in 0.5 * x * (1 + vtanh(0.797_884_6 * (x + 0.044_715 * x * x * x))) }
    }
    y.node = GradNode.make(self, op: "gelu") { g in
      switch approximation {
      case .none:
        return [
          Tensor.zipped(g, x) { g, x in
            g * (0.5 * (1 + verf(x * 0.707_106_77)) + x * 0.398_942_28 * vexp(-0.5 * x * x))
          }
        ]
      case .tanh:
        return [
          Tensor.zipped(g, x) { g, x in
            let t = vtanh(0.797_884_6 * (x + 0.044_715 * x * x * x))
            let du = 0.797_884_6 * (1 + 3 * 0.044_715 * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
          }
        ]
      }
    }
    return y
  }
}
