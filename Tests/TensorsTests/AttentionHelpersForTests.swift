import Foundation

@testable import Tensors

// Shared helpers for the attention tests (no @Test here).

/// SplitMix64 (Steele et al. 2014): a tiny seeded generator so cases are reproducible.
struct AttentionTestRandom {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [−amplitude, amplitude).
  mutating func floats(_ count: Int, amplitude: Float = 1.5) -> [Float] {
    (0..<count).map { _ in
      (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * amplitude
    }
  }
}

/// Inputs and outputs of one attention problem.
struct AttentionProblem {
  var g: AttentionGeometry
  var q: [Float]
  var k: [Float]
  var v: [Float]
  var gradOut: [Float]
  var mask: [UInt8]?

  init(_ g: AttentionGeometry, seed: UInt64, maskedEvery: Int? = nil) {
    var rng = AttentionTestRandom(state: seed)
    self.g = g
    q = rng.floats(g.queryElements)
    k = rng.floats(g.keyElements)
    v = rng.floats(g.keyElements)
    gradOut = rng.floats(g.queryElements)
    if let every = maskedEvery {
      // Mask keys j with (j + b) % every == 1 — differs per batch element, never all keys.
      mask = (0..<(g.batch * g.keyLength)).map { n in
        let (b, j) = (n / g.keyLength, n % g.keyLength)
        return (j + b) % every == 1 ? 0 : 1
      }
    }
  }

  struct Result {
    var out: [Float]
    var lse: [Float]
    var dq: [Float]
    var dk: [Float]
    var dv: [Float]
  }

  enum Kernel: Sendable { case reference, fast }

  func run(_ kernel: Kernel) -> Result {
    var r = Result(
      out: .init(repeating: .nan, count: g.queryElements),
      lse: .init(repeating: .nan, count: g.rowCount),
      dq: .init(repeating: .nan, count: g.queryElements),
      dk: .init(repeating: .nan, count: g.keyElements),
      dv: .init(repeating: .nan, count: g.keyElements))
    withMask { m in
      switch kernel {
      case .reference:
        ReferenceAttention.forward(
          g, q: q, k: k, v: v, keyMask: m, out: &r.out, logsumexp: &r.lse)
        ReferenceAttention.backward(
          g, q: q, k: k, v: v, keyMask: m, out: r.out, logsumexp: r.lse, gradOut: gradOut,
          gradQ: &r.dq, gradK: &r.dk, gradV: &r.dv)
      case .fast:
        AttentionKernels.forward(
          g, q: q, k: k, v: v, keyMask: m, out: &r.out, logsumexp: &r.lse)
        AttentionKernels.backward(
          g, q: q, k: k, v: v, keyMask: m, out: r.out, logsumexp: r.lse, gradOut: gradOut,
          gradQ: &r.dq, gradK: &r.dk, gradV: &r.dv)
      }
    }
    return r
  }

  func withMask<R>(_ body: (UnsafePointer<UInt8>?) -> R) -> R {
    guard let mask else { return body(nil) }
    return mask.withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}

/// Largest violation of |a − b| ≤ tol · (|b| + rms(b)), as a multiple of the allowance (≤ 1 passes).
/// The rms term keeps near-zero elements from demanding more than f32 can give.
func attentionMismatch(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4) -> Float {
  precondition(a.count == b.count)
  guard !b.isEmpty else { return 0 }
  let rms = (b.reduce(Float(0)) { $0 + $1 * $1 } / Float(b.count)).squareRoot()
  var worst: Float = 0
  for (x, y) in zip(a, b) {
    guard x.isFinite == y.isFinite else { return .infinity }
    if !y.isFinite { continue }
    worst = max(worst, abs(x - y) / (tolerance * (abs(y) + rms) + .leastNormalMagnitude))
  }
  return worst
}
