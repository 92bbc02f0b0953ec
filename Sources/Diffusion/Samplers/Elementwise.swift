import Tensors

/// Fused element-wise helpers for sampler updates: one pass, one allocation, coefficients
/// applied in Double and the sum rounded once to Float32.
enum Elementwise {
  /// Σ cᵢ · tᵢ over tensors of one shape (fast path: one pass over raw buffers).
  static func combine(_ terms: [(Double, Tensor)]) -> Tensor {
    precondition(!terms.isEmpty)
    let shape = terms[0].1.shape
    for (_, t) in terms {
      precondition(t.shape == shape, "shapes differ: \(t.shape) vs \(shape)")
    }
    let coeffs = terms.map { $0.0 }
    var out = Tensor(uninitializedShape: shape)
    withBuffers(terms.map { $0.1 }[...], []) { inputs in
      out.withMutableFloats { o in
        switch inputs.count {
        case 1:
          let (c0, p0) = (coeffs[0], inputs[0])
          for i in o.indices { o[i] = Float(c0 * Double(p0[i])) }
        case 2:
          let (c0, p0, c1, p1) = (coeffs[0], inputs[0], coeffs[1], inputs[1])
          for i in o.indices { o[i] = Float(c0 * Double(p0[i]) + c1 * Double(p1[i])) }
        default:
          for i in o.indices {
            var s = 0.0
            for k in inputs.indices { s += coeffs[k] * Double(inputs[k][i]) }
            o[i] = Float(s)
          }
        }
      }
    }
    return out
  }

  /// Σ cᵢ · tᵢ (variadic form).
  static func combine(_ terms: (Double, Tensor)...) -> Tensor { combine(terms) }

  /// The naive oracle for `combine`: scalar arrays, a Double accumulator per element.
  static func combineReference(_ terms: [(Double, Tensor)]) -> Tensor {
    let shape = terms[0].1.shape
    var acc = [Double](repeating: 0, count: terms[0].1.scalarCount)
    for (c, t) in terms {
      for (i, v) in t.scalars.enumerated() { acc[i] += c * Double(v) }
    }
    return Tensor(shape: shape, scalars: acc.map { Float($0) })
  }

  /// Calls `body` with dense fp32 buffers of all `tensors` (nested `withFloats` scopes).
  private static func withBuffers(
    _ tensors: ArraySlice<Tensor>, _ acc: [UnsafeBufferPointer<Float>],
    _ body: ([UnsafeBufferPointer<Float>]) -> Void
  ) {
    guard let first = tensors.first else { return body(acc) }
    first.withFloats { withBuffers(tensors.dropFirst(), acc + [$0], body) }
  }

  /// Clamps every element to [lo, hi].
  static func clamped(_ t: Tensor, _ lo: Float, _ hi: Float) -> Tensor {
    perSample(t) { v in
      for i in v.indices { v[i] = min(max(v[i], lo), hi) }
    }
  }

  /// Applies `f` to each batch element's (contiguous) slice of scalars.
  static func perSample(_ t: Tensor, _ f: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
    perSampleIndexed(t) { _, v in f(v) }
  }

  /// Applies `f(b, slice)` to each batch element b's (contiguous) slice of scalars.
  static func perSampleIndexed(
    _ t: Tensor, _ f: (Int, UnsafeMutableBufferPointer<Float>) -> Void
  ) -> Tensor {
    var s = Tensor(shape: t.shape, scalars: t.scalars)
    let batch = max(t.shape.first ?? 1, 1)
    let per = t.scalarCount / batch
    s.withMutableFloats { buf in
      for b in 0..<batch {
        f(b, UnsafeMutableBufferPointer(rebasing: buf[b * per..<(b + 1) * per]))
      }
    }
    return s
  }
}
