import Foundation

/// Element-wise math with VJPs (y = f(x), ∂L/∂x = ∂L/∂y · f′(x)).
extension Tensor {
  /// Applies a vector kernel to a dense fp32 copy; no autodiff. A closure stays an indirect
  /// call per 8 values; hot ops pass a kernel type instead (see `ElementwiseKernels.map`).
  @inline(__always)
  func mapped(_ f: (Vec8) -> Vec8) -> Tensor {
    withoutActuallyEscaping(f) { mapped(ClosureUnary(f: $0)) }
  }

  /// `mapped` with a kernel type, which the loop inlines (see `ElementwiseKernels.map`).
  /// The result has the input's dtype (bf16 in, bf16 out, computed in fp32).
  @inline(__always)
  func mapped<F: VectorUnary>(_ f: F) -> Tensor {
    let x = contiguous(dtype: dtype)
    let out = Tensor(uninitializedShape: shape, dtype: dtype)
    ElementwiseKernels.map(scalarCount, x.denseOperand, out.denseOperand, f)
    return out
  }

  /// f(a, b) on two dense tensors of one shape; no autodiff.
  @inline(__always)
  static func zipped(_ a: Tensor, _ b: Tensor, _ f: (Vec8, Vec8) -> Vec8) -> Tensor {
    withoutActuallyEscaping(f) { zipped(a, b, ClosureBinary(f: $0)) }
  }

  /// `zipped` with a kernel type, which the loop inlines. Either input may be bf16; the
  /// result is bf16 only when both are (`resultDType`).
  @inline(__always)
  static func zipped<F: VectorBinary>(_ a: Tensor, _ b: Tensor, _ f: F) -> Tensor {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    let a = a.contiguous(dtype: a.dtype)
    let b = b.contiguous(dtype: b.dtype)
    let out = Tensor(uninitializedShape: a.shape, dtype: resultDType(a, b))
    ElementwiseKernels.zip(a.scalarCount, a.denseOperand, b.denseOperand, out.denseOperand, f)
    return out
  }

  /// The dtype of an element-wise result, as PyTorch promotes: bf16 only when every operand
  /// with dimensions is bf16 (a rank-0 scalar does not decide); else fp32.
  static func resultDType(_ a: Tensor, _ b: Tensor) -> DType {
    switch (a.rank == 0, b.rank == 0) {
    case (true, false): b.dtype
    case (false, true): a.dtype
    default: a.dtype == .bf16 && b.dtype == .bf16 ? .bf16 : .f32
    }
  }

  /// Scalar-at-a-time map for functions without a vector form (erf); no autodiff.
  /// The result has the input's dtype, as `mapped`.
  func mappedScalar(_ f: (Float) -> Float) -> Tensor {
    let x = contiguous(dtype: .f32)
    let out = Tensor(uninitializedShape: shape)
    let n = scalarCount
    for i in 0..<n { out.floatPointer[i] = f(x.floatPointer[i]) }
    return out.contiguous(dtype: dtype)
  }

  /// e^x; d/dx = e^x.
  public func exp() -> Tensor {
    var y = mapped(vexp)
    let saved = y
    y.node = GradNode.make(self, op: "exp") { g in [Tensor.zipped(g, saved) { $0 * $1 }] }
    return y
  }

  /// ln x; d/dx = 1/x.
  public func log() -> Tensor {
    var y = mappedScalar { Foundation.log($0) }
    let x = self
    y.node = GradNode.make(self, op: "log") { g in [Tensor.zipped(g, x) { $0 / $1 }] }
    return y
  }

  /// √x; d/dx = 1/(2√x).
  public func sqrt() -> Tensor {
    var y = mapped { $0.squareRoot() }
    let saved = y
    y.node = GradNode.make(self, op: "sqrt") { g in
      [Tensor.zipped(g, saved) { $0 / ($1 + $1) }]
    }
    return y
  }

  /// x²; d/dx = 2x.
  public func squared() -> Tensor {
    var y = mapped { $0 * $0 }
    let x = self
    y.node = GradNode.make(self, op: "squared") { g in
      [Tensor.zipped(g, x) { 2 * $0 * $1 }]
    }
    return y
  }

  /// |x|; d/dx = sign(x) (0 at 0).
  public func abs() -> Tensor {
    var y = mapped { $0.replacing(with: -$0, where: $0 .< 0) }
    let x = self
    y.node = GradNode.make(self, op: "abs") { g in
      [
        Tensor.zipped(g, x) { g, x in
          Vec8(repeating: 0).replacing(with: g, where: x .> 0).replacing(with: -g, where: x .< 0)
        }
      ]
    }
    return y
  }

  /// min(max(x, lo), hi); gradient passes where lo < x < hi... and at the bounds (as PyTorch).
  public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
    var y = mapped {
      $0.clamped(lowerBound: Vec8(repeating: lo), upperBound: Vec8(repeating: hi))
    }
    let x = self
    y.node = GradNode.make(self, op: "clamp") { g in
      [
        Tensor.zipped(g, x) { g, x in
          Vec8(repeating: 0).replacing(with: g, where: (x .>= lo) .& (x .<= hi))
        }
      ]
    }
    return y
  }
}
