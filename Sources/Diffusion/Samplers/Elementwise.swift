import Tensors

/// Fused element-wise helpers for sampler updates: one pass, one allocation, coefficients
/// applied in Double and the sum rounded once to Float32.
enum Elementwise {
  /// Σ cᵢ · tᵢ over tensors of one shape.
  static func combine(_ terms: [(Double, Tensor)]) -> Tensor {
    precondition(!terms.isEmpty)
    let shape = terms[0].1.shape
    for (_, t) in terms {
      precondition(t.shape == shape, "shapes differ: \(t.shape) vs \(shape)")
    }
    let arrays = terms.map { $0.1.scalars }
    let coeffs = terms.map { $0.0 }
    let n = arrays[0].count
    var acc = [Double](repeating: 0, count: n)
    acc.withUnsafeMutableBufferPointer { out in
      for (k, a) in arrays.enumerated() {
        let c = coeffs[k]
        a.withUnsafeBufferPointer { p in
          for i in 0..<n { out[i] += c * Double(p[i]) }
        }
      }
    }
    return Tensor(shape: shape, scalars: acc.map { Float($0) })
  }

  /// Σ cᵢ · tᵢ (variadic form).
  static func combine(_ terms: (Double, Tensor)...) -> Tensor { combine(terms) }

  /// Clamps every element to [lo, hi].
  static func clamped(_ t: Tensor, _ lo: Float, _ hi: Float) -> Tensor {
    Tensor(shape: t.shape, scalars: t.scalars.map { min(max($0, lo), hi) })
  }

  /// Applies `f` to each batch element's (contiguous) slice of scalars.
  static func perSample(_ t: Tensor, _ f: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
    perSampleIndexed(t) { _, v in f(v) }
  }

  /// Applies `f(b, slice)` to each batch element b's (contiguous) slice of scalars.
  static func perSampleIndexed(
    _ t: Tensor, _ f: (Int, UnsafeMutableBufferPointer<Float>) -> Void
  ) -> Tensor {
    var s = t.scalars
    let batch = max(t.shape.first ?? 1, 1)
    let per = s.count / batch
    s.withUnsafeMutableBufferPointer { buf in
      for b in 0..<batch {
        f(b, UnsafeMutableBufferPointer(rebasing: buf[b * per..<(b + 1) * per]))
      }
    }
    return Tensor(shape: t.shape, scalars: s)
  }
}
