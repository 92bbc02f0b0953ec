import Tensors

/// Rescales gradients so their global L2 norm is at most `maxNorm`, like
/// `torch.nn.utils.clip_grad_norm_` (coefficient maxNorm/(norm + 1e-6), applied only when < 1).
/// Returns the norm before clipping (in Double, summed in parameter order: deterministic).
@discardableResult
public func clipGradNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
  var total = 0.0
  for p in parameters {
    guard let g = p.grad else { continue }
    total += g.withFloats { b in
      var s = 0.0
      for x in b { s += Double(x) * Double(x) }
      return s
    }
  }
  let norm = Float(total.squareRoot())
  let coef = maxNorm / (norm + 1e-6)
  if coef < 1 {
    withNoGrad {
      for p in parameters { if let g = p.grad { p.grad = g * coef } }
    }
  }
  return norm
}
