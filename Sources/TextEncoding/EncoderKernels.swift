import Tensors

/// Inference kernels the encoders need faster than the engine's general ops. Each keeps the
/// engine op as its reference (`EncoderKernelTests`).
enum EncoderKernels {
  /// GELU(x) = x·Φ(x) = ½x·(1 + erf(x/√2)), 8 lanes at a time, with erf from Abramowitz &
  /// Stegun 7.1.26: erf(z) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−z²), t = 1/(1 + p·z) for
  /// z ≥ 0 (odd symmetry otherwise), |error| ≤ 1.5e-7. Reference: `Tensor.gelu(approximation:
  /// .none)` (glibc `erff`, scalar), which this replaces because it was a fifth of MiniLM's time.
  /// No autodiff.
  static func geluErf(_ x: Tensor) -> Tensor {
    var out = Tensor(uninitializedShape: x.shape)
    x.withFloats { src in
      out.withMutableFloats { dst in
        let s = SendablePointer(src.baseAddress!)
        let d = SendablePointer(dst.baseAddress!)
        let n = src.count
        Parallel.forElements(n) { range in
          var i = range.lowerBound
          while i + 8 <= range.upperBound {
            let v = UnsafeRawPointer(s.pointer + i).loadUnaligned(as: Vec8.self)
            UnsafeMutableRawPointer(d.pointer + i).storeBytes(of: gelu8(v), as: Vec8.self)
            i += 8
          }
          if i < range.upperBound {
            var tail = Vec8(repeating: 0)
            for k in i..<range.upperBound { tail[k - i] = s.pointer[k] }
            let y = gelu8(tail)
            for k in i..<range.upperBound { d.pointer[k] = y[k - i] }
          }
        }
      }
    }
    return out
  }

  @inline(__always)
  static func gelu8(_ x: Vec8) -> Vec8 {
    let u = x * 0.707_106_77
    let z = u.replacing(with: -u, where: u .< 0)
    let t = 1 / (1 + 0.327_591_1 * z)
    var p = Vec8(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let erfAbs = 1 - p * t * vexp(-(z * z))
    let erf = erfAbs.replacing(with: -erfAbs, where: u .< 0)
    return 0.5 * x * (1 + erf)
  }
}
