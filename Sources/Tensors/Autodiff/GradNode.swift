/// One recorded op in the autodiff graph (the "tape" is the graph reachable from a loss).
///
/// An op's forward builds its output and, when gradients are on and an input needs them, a node
/// whose closure maps the output's gradient to each input's gradient (its vector–Jacobian
/// product). Leaves (parameters, `requiringGrad()` inputs) accumulate gradients across backward
/// calls, which gives gradient accumulation for free.
///
/// A gradient has the dtype of the tensor it belongs to, as in PyTorch (where autocast's bf16
/// activations get bf16 gradients): whatever dtype a VJP returns is converted to its input's
/// dtype, and gradients reaching one tensor are summed in that dtype. Parameters are fp32, so
/// their gradients are; a bf16 activation's gradient is bf16 and flows as such into the next
/// VJP, which reads it as it is (the bf16 products and element-wise kernels do).
public final class GradNode: @unchecked Sendable {
  /// Maps (∂L/∂output, which inputs need a gradient) to ∂L/∂input per input (nil = not needed).
  public typealias Backward = (_ grad: Tensor, _ needs: [Bool]) -> [Tensor?]

  let op: String
  let parents: [GradNode?]
  /// The dtype of each input tensor: its gradient is accumulated in this dtype.
  let parentDTypes: [DType]
  let backwardFn: Backward?
  /// Leaves: the accumulated gradient. Interior nodes: the pending sum during one backward pass.
  var grad: Tensor?

  var isLeaf: Bool { backwardFn == nil }

  init(op: String, parents: [GradNode?], parentDTypes: [DType] = [], backward: Backward?) {
    precondition(parentDTypes.isEmpty || parentDTypes.count == parents.count)
    self.op = op
    self.parents = parents
    self.parentDTypes = parentDTypes
    self.backwardFn = backward
  }

  /// A node for an op over `inputs`, or nil when no gradient is needed (grad mode off, or no
  /// input is tracked), in which case the op records nothing.
  public static func make(_ inputs: Tensor..., op: String, backward: @escaping Backward)
    -> GradNode?
  {
    make(inputs: inputs, op: op, backward: backward)
  }

  public static func make(inputs: [Tensor], op: String, backward: @escaping Backward) -> GradNode? {
    guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return nil }
    return GradNode(
      op: op, parents: inputs.map(\.node), parentDTypes: inputs.map(\.dtype), backward: backward)
  }

  /// Convenience for single-input ops.
  static func make(_ input: Tensor, op: String, _ backward: @escaping (Tensor) -> [Tensor?])
    -> GradNode?
  {
    make(inputs: [input], op: op) { g, _ in backward(g) }
  }

  /// Adds `g` (converted to `dtype`, the tensor's) to the pending or accumulated gradient.
  func accumulate(_ g: Tensor, as dtype: DType) {
    let g = g.contiguous(dtype: dtype)
    if let existing = grad {
      precondition(
        existing.shape == g.shape,
        "gradient shape \(g.shape) does not match \(existing.shape) in \(op)")
      grad = Tensor.addDense(existing, g)
    } else {
      grad = g
    }
  }
}

extension Tensor {
  /// Whether gradients flow to this tensor.
  public var requiresGrad: Bool { node != nil }

  /// This tensor as a leaf of the graph: `backward()` accumulates into `grad`.
  public func requiringGrad() -> Tensor {
    var t = self
    t.node = GradNode(op: "leaf", parents: [], backward: nil)
    return t
  }

  /// The same values, cut from the graph.
  public func detached() -> Tensor {
    var t = self
    t.node = nil
    return t
  }

  /// The gradient accumulated in a leaf by `backward()`.
  public var grad: Tensor? { node?.isLeaf == true ? node?.grad : nil }

  /// Forgets a leaf's accumulated gradient (the next `backward()` starts from zero).
  public func zeroGrad() { if node?.isLeaf == true { node?.grad = nil } }

  /// Back-propagates from this tensor (∂L/∂self = `seed`, default ones) through the graph,
  /// accumulating into the leaves' gradients.
  public func backward(seed: Tensor? = nil) {
    guard let root = node else {
      preconditionFailure("backward() on a tensor that records no gradient")
    }
    // Iterative post-order DFS: every node comes after all of its inputs.
    var order: [GradNode] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(GradNode, Bool)] = [(root, false)]
    while let (n, expanded) = stack.popLast() {
      if expanded {
        order.append(n)
        continue
      }
      if !visited.insert(ObjectIdentifier(n)).inserted { continue }
      stack.append((n, true))
      for case let p? in n.parents where !visited.contains(ObjectIdentifier(p)) {
        stack.append((p, false))
      }
    }
    root.accumulate(seed ?? Tensor.ones(shape), as: dtype)
    withNoGrad {
      for n in order.reversed() {
        guard let fn = n.backwardFn, let g = n.grad else { continue }
        n.grad = nil
        let grads = fn(g, n.parents.map { $0 != nil })
        precondition(grads.count == n.parents.count, "\(n.op) returned \(grads.count) gradients")
        for (i, (p, pg)) in zip(n.parents, grads).enumerated() {
          if let p, let pg { p.accumulate(pg, as: n.parentDTypes[i]) }
        }
      }
    }
  }
}
