/// Finite-difference check of a VJP: compares autodiff's ∂(Σ w·f(x))/∂x with central differences
/// (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, for a fixed random-looking weighting w so every output
/// element matters. Used by every op's gradient test.
public enum GradientCheck {
  public struct Result: Sendable {
    public var maxAbsoluteError: Float
    public var maxRelativeError: Float
    /// Whether every element satisfies |a − n| ≤ atol + rtol·|n|.
    public var passed: Bool
  }

  /// Checks ∂/∂inputs[k] for every k. `f` must be deterministic.
  public static func check(
    _ inputs: [Tensor], step h: Float = 1e-2, atol: Float = 2e-3, rtol: Float = 2e-2,
    _ f: ([Tensor]) -> Tensor
  ) -> Result {
    let tracked = inputs.map { $0.contiguous(dtype: .f32).requiringGrad() }
    let y0 = f(tracked)
    let weights = Tensor(
      shape: y0.shape,
      scalars: (0..<y0.scalarCount).map { i in Float((i * 7919) % 13) / 13 - 0.4 })
    let loss = (y0 * weights).sum()
    loss.backward()
    func objective(_ xs: [Tensor]) -> Double {
      withNoGrad {
        let y = f(xs).scalars
        let w = weights.scalars
        var s = 0.0
        for i in 0..<y.count { s += Double(y[i]) * Double(w[i]) }
        return s
      }
    }
    var maxAbs: Float = 0
    var maxRel: Float = 0
    var ok = true
    for k in 0..<inputs.count {
      guard let analytic = tracked[k].grad?.scalars else {
        return Result(maxAbsoluteError: .infinity, maxRelativeError: .infinity, passed: false)
      }
      let base = inputs[k].scalars
      for i in 0..<base.count {
        var plus = base
        var minus = base
        plus[i] += h
        minus[i] -= h
        var xp = inputs.map { $0.detached() }
        var xm = xp
        xp[k] = Tensor(shape: inputs[k].shape, scalars: plus)
        xm[k] = Tensor(shape: inputs[k].shape, scalars: minus)
        let numeric = Float((objective(xp) - objective(xm)) / Double(2 * h))
        let err = Swift.abs(analytic[i] - numeric)
        maxAbs = max(maxAbs, err)
        maxRel = max(maxRel, err / max(Swift.abs(numeric), 1e-6))
        if err > atol + rtol * Swift.abs(numeric) { ok = false }
      }
    }
    return Result(maxAbsoluteError: maxAbs, maxRelativeError: maxRel, passed: ok)
  }
}
