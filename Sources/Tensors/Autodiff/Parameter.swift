/// A trainable tensor: a leaf of the graph that keeps its gradient across backward passes until
/// `zeroGrad()`, and whose value the optimiser replaces in place.
public final class Parameter: @unchecked Sendable {
  private let leaf = GradNode(op: "parameter", parents: [], backward: nil)
  private var storedValue: Tensor

  public init(_ value: Tensor) {
    storedValue = value.detached().contiguous(dtype: .f32)
  }

  /// The value, tracked by autodiff when grad mode is on.
  public var value: Tensor {
    var t = storedValue
    if GradMode.isEnabled { t.node = leaf }
    return t
  }

  public var shape: [Int] { storedValue.shape }

  /// ∂L/∂value accumulated since the last `zeroGrad()`.
  public var grad: Tensor? {
    get { leaf.grad }
    set { leaf.grad = newValue }
  }

  public func zeroGrad() { leaf.grad = nil }

  /// Replaces the value (optimiser step, checkpoint load). Shape must not change.
  public func assign(_ newValue: Tensor) {
    precondition(newValue.shape == storedValue.shape, "assign \(newValue.shape) to \(shape)")
    storedValue = newValue.detached().contiguous(dtype: .f32)
  }

  /// In-place update of the dense fp32 value.
  public func update(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
    storedValue.withMutableFloats(body)
  }
}
