import Tensors

/// A layer or a model: a tree of modules whose parameters are named by their path, joined with
/// ".", exactly as PyTorch's `state_dict()` keys (`down_blocks.1.resnets.0.conv1.weight`), so a
/// checkpoint is the flat dictionary path → tensor.
///
/// Modules are classes: optimisers and EMA hold on to their parameters by identity.
public protocol Module: AnyObject {
  /// This module's own parameters, by local name ("weight", "bias").
  var ownParameters: [(String, Parameter)] { get }
  /// Sub-modules, by local name ("conv1", "0").
  var children: [(String, any Module)] { get }
}

extension Module {
  public var ownParameters: [(String, Parameter)] { [] }
  public var children: [(String, any Module)] { [] }

  /// Every parameter in the tree, by full path, in a stable depth-first order.
  public func namedParameters(prefix: String = "") -> [(String, Parameter)] {
    var out = ownParameters.map { (prefix + $0.0, $0.1) }
    for (name, child) in children {
      out += child.namedParameters(prefix: prefix + name + ".")
    }
    return out
  }

  public var parameters: [Parameter] { namedParameters().map(\.1) }

  /// Total number of scalars in all parameters.
  public var parameterCount: Int { parameters.reduce(0) { $0 + ShapeMath.count($1.shape) } }

  public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// An ordered list of modules named "0", "1", … (PyTorch's `nn.ModuleList`).
public final class ModuleList<M: Module>: Module {
  public let items: [M]
  public init(_ items: [M]) { self.items = items }
  public var children: [(String, any Module)] {
    items.enumerated().map { ("\($0.offset)", $0.element) }
  }
  public var count: Int { items.count }
  public subscript(i: Int) -> M { items[i] }
}
