/// Reductions: sum and mean, over everything or along axes. VJP: broadcast the gradient back.
extension Tensor {
  /// Σ of all elements (0-dimensional result).
  public func sum() -> Tensor {
    let x = contiguous(dtype: .f32)
    var out = Tensor(ElementwiseKernels.sum(x.scalarCount, x.floatPointer))
    let s = shape
    out.node = GradNode.make(self, op: "sum") { g in [Tensor.full(s, g.item)] }
    return out
  }

  /// Arithmetic mean of all elements.
  public func mean() -> Tensor { sum() / Float(max(scalarCount, 1)) }

  /// Σ along `axes`; keeps them as size 1 when `keepingDims`.
  public func sum(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
    let axes = Set(axes.map { ShapeMath.axis($0, rank: rank) })
    let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    var out = Tensor.sumToShape(contiguous(dtype: .f32), kept)
    let s = shape
    out.node = GradNode.make(self, op: "sumAxes") { g in
      [g.reshaped(to: kept).broadcasted(to: s).contiguous(dtype: .f32)]
    }
    if keepingDims { return out }
    return out.reshaped(to: shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
  }

  public func sum(alongAxes axes: Int..., keepingDims: Bool = false) -> Tensor {
    sum(alongAxes: axes, keepingDims: keepingDims)
  }

  /// Mean along `axes`.
  public func mean(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
    let n = axes.map { shape[ShapeMath.axis($0, rank: rank)] }.reduce(1, *)
    return sum(alongAxes: axes, keepingDims: keepingDims) / Float(max(n, 1))
  }

  public func mean(alongAxes axes: Int..., keepingDims: Bool = false) -> Tensor {
    mean(alongAxes: axes, keepingDims: keepingDims)
  }
}
