/// Vectorised transcendental functions for element-wise kernels, generic over the vector width:
/// 8 lanes (one AVX2 register) or 16 (one AVX-512 register). They are `@inlinable`: a generic
/// function's body is otherwise not visible to other modules, which then call the unspecialised
/// version, lane by lane through witness tables (the text encoder's GELU, in TextEncoding, ran
/// caption encoding ~25× slower that way).
///
/// `exp` follows the Cephes `expf` scheme: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial
/// for e^r, and 2^n built in the exponent bits. Max relative error ≈ 2 ulp over the normal range;
/// tested against Glibc `expf` in `VectorMathTests`.
public typealias Vec8 = SIMD8<Float>
/// 16 lanes: with AVX-512 one zmm register. Zen 4 runs a 512-bit operation as two 256-bit
/// halves, yet the SiLU gradient on bf16 ran 1.8× faster at 16 lanes than at 8 in a C
/// micro-benchmark (10.9 against 19.6 cycles per 8 values, one core): these kernels are bound by
/// how many instructions the core can issue, not by its arithmetic units.
public typealias Vec16 = SIMD16<Float>

/// A float vector the transcendental functions below accept. The arithmetic they use (`+`, `*`,
/// `addingProduct`) specialises to vector instructions through the generic `SIMD` protocol;
/// lane comparisons do not (they went lane by lane, with branches), so the one that is needed,
/// a clamp, is written per concrete width.
public protocol FloatVector: SIMD where Scalar == Float {
  /// Each lane clamped to [lo, hi].
  func clampedLanes(_ lo: Float, _ hi: Float) -> Self
}

extension SIMD8: FloatVector where Scalar == Float {
  // Masks, not `clamped(lowerBound:upperBound:)`: that compiled to an unspecialised generic
  // call (4 % of a training step in perf).
  @inlinable @inline(__always)
  public func clampedLanes(_ lo: Float, _ hi: Float) -> Self {
    let x = replacing(with: lo, where: self .< lo)
    return x.replacing(with: hi, where: x .> hi)
  }
}

extension SIMD16: FloatVector where Scalar == Float {
  @inlinable @inline(__always)
  public func clampedLanes(_ lo: Float, _ hi: Float) -> Self {
    let x = replacing(with: lo, where: self .< lo)
    return x.replacing(with: hi, where: x .> hi)
  }
}

@inlinable @inline(__always)
public func vexp<V: FloatVector>(_ x: V) -> V {
  let x = x.clampedLanes(-87.3, 88.3)
  // n = round(x / ln 2) by the magic-number trick: adding 1.5·2²³ leaves round(v) in the low
  // mantissa bits (|v| < 2²²), which also gives n as an integer without a (slow, scalarised)
  // float → int conversion. The magic number carries the exponent bias 127 too, so the low bits
  // hold n + 127 and one shift builds 2ⁿ below. The multiply-add is one fused operation (Swift
  // does not contract `x * c + m` by itself); with the shorter 2ⁿ, SiLU ran 1.00 → 0.83 ms per
  // 2 M values on one core.
  let magic = V(repeating: 12_582_912 + 127)
  let biased = magic.addingProduct(x, V(repeating: 1.442_695_04))
  let n = biased - magic
  // Cody–Waite: ln 2 split into a high part exact in float and a low correction.
  var r = x.addingProduct(n, V(repeating: -0.693_359_375))
  r = r.addingProduct(n, V(repeating: 2.121_944_4e-4))
  // Horner steps as fused multiply-adds: Swift does not contract `p * r + c` by itself, and
  // the separate multiply and add made SiLU 1.3× slower (1.38 → 1.03 ms per 2 M values).
  var p = V(repeating: 1.987_569_1e-4)
  p = V(repeating: 1.398_199_9e-3).addingProduct(p, r)
  p = V(repeating: 8.333_452e-3).addingProduct(p, r)
  p = V(repeating: 4.166_579_6e-2).addingProduct(p, r)
  p = V(repeating: 1.666_666_5e-1).addingProduct(p, r)
  p = V(repeating: 5.000_000_1e-1).addingProduct(p, r)
  let r2 = r * r
  let er = (r + 1).addingProduct(p, r2)
  // 2ⁿ: n + 127 sits in the low 9 bits of `biased`; shifting it into the exponent field also
  // shifts the magic number's own bits out of the word.
  let pow2 = unsafeBitCast(unsafeBitCast(biased, to: V.MaskStorage.self) &<< 23, to: V.self)
  return er * pow2
}

/// Logistic sigmoid 1 / (1 + e^(−x)).
@inlinable @inline(__always)
public func vsigmoid<V: FloatVector>(_ x: V) -> V {
  1 / (1 + vexp(-x))
}

/// SiLU x·σ(x), written x / (1 + e^(−x)): one division instead of a reciprocal and a product.
@inlinable @inline(__always)
public func vsilu<V: FloatVector>(_ x: V) -> V {
  x / (1 + vexp(-x))
}

/// tanh(x) = 1 − 2 / (e^(2x) + 1), exact at the extremes (±1) and 0.
@inlinable @inline(__always)
public func vtanh<V: FloatVector>(_ x: V) -> V {
  1 - 2 / (vexp(x + x) + 1)
}

/// Scalar versions for loop tails, identical math to the vector ones (so results do not depend on
/// where a chunk boundary falls).
@inline(__always)
public func sexp(_ x: Float) -> Float { vexp(Vec8(repeating: x))[0] }
@inline(__always)
public func ssigmoid(_ x: Float) -> Float { vsigmoid(Vec8(repeating: x))[0] }
@inline(__always)
public func stanh(_ x: Float) -> Float { vtanh(Vec8(repeating: x))[0] }

/// erf(x) as a rational minimax approximation on [−4, 4] (the form Eigen uses for float;
/// |error| ≲ 1e-6 absolute, checked against Glibc `erff` in `ElementwiseGradientTests`).
/// Beyond ±4, erf is ±1 to float precision.
@inlinable @inline(__always)
public func verf<V: FloatVector>(_ x: V) -> V {
  let x = x.clampedLanes(-4, 4)
  let x2 = x * x
  var p = V(repeating: -2.726_142_3e-10)
  p = V(repeating: 2.770_681_4e-08).addingProduct(p, x2)
  p = V(repeating: -2.101_024_1e-06).addingProduct(p, x2)
  p = V(repeating: -5.692_506_4e-05).addingProduct(p, x2)
  p = V(repeating: -7.349_906_3e-04).addingProduct(p, x2)
  p = V(repeating: -2.954_600_0e-03).addingProduct(p, x2)
  p = V(repeating: -1.609_603_3e-02).addingProduct(p, x2)
  p = p * x
  var q = V(repeating: -1.456_607_2e-05)
  q = V(repeating: -2.133_740_6e-04).addingProduct(q, x2)
  q = V(repeating: -1.682_827_0e-03).addingProduct(q, x2)
  q = V(repeating: -7.373_329_2e-03).addingProduct(q, x2)
  q = V(repeating: -1.426_473_9e-02).addingProduct(q, x2)
  return p / q
}

/// Exact GELU forward, y = x·Φ(x) = ½x·(1 + erf(x/√2)), as a kernel type whose 8- and 16-lane
/// bodies are concrete and sit beside `verf`: so `verf` is specialised and inlined here even in
/// builds without whole-module optimisation (the debug build), where a generic call from another
/// file ran unspecialised, per 8 values, and made the BERT encoder 25× slower.
struct GELUKernel: VectorUnary {
  static var wide: Bool { true }
  @inline(__always) func callAsFunction(_ x: Vec8) -> Vec8 {
    0.5 * x * (1 + verf(x * 0.707_106_77))
  }
  @inline(__always) func callAsFunction(_ x: Vec16) -> Vec16 {
    0.5 * x * (1 + verf(x * 0.707_106_77))
  }
}
