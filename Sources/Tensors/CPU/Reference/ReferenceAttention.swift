import Foundation

/// Naive scaled-dot-product attention: the oracle for `AttentionKernels`.
///
/// Materialises the full Lq×Lk score matrix per (batch, head) and accumulates in Double.
/// Same layouts and signatures as `AttentionKernels` (see `AttentionGeometry`).
///
/// Forward:  S = scale · Q Kᵀ (masked keys → −∞), P = softmax_row(S), O = P V,
///           logsumexp_i = log Σ_j exp(S_ij).
/// Backward: dV = Pᵀ dO, dP = dO Vᵀ, dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik),
///           dQ = scale · dS K, dK = scale · dSᵀ Q.
/// The backward uses the textbook softmax Jacobian (Σ_k P_ik dP_ik), not FlashAttention's
/// D_i = rowsum(dO ∘ O), so the two implementations check each other; it recomputes P itself and
/// ignores `out` and `logsumexp`.
///
/// A query row whose keys are all masked gets output 0, logsumexp −∞ and zero gradients
/// (PyTorch returns NaN there).
enum ReferenceAttention {
  static func forward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, keyMask: UnsafePointer<UInt8>?, out: UnsafeMutablePointer<Float>,
    logsumexp: UnsafeMutablePointer<Float>
  ) {
    let (lq, lk, d) = (g.queryLength, g.keyLength, g.headDim)
    var p = [Double](repeating: 0, count: lk)
    var o = [Double](repeating: 0, count: d)
    for b in 0..<g.batch {
      for h in 0..<g.heads {
        for i in 0..<lq {
          let lse = probabilities(g, b: b, h: h, i: i, q: q, k: k, keyMask: keyMask, into: &p)
          for c in 0..<d { o[c] = 0 }
          for j in 0..<lk where p[j] != 0 {
            let vj = v + offset(g, b, j, h, length: lk)
            for c in 0..<d { o[c] += p[j] * Double(vj[c]) }
          }
          let oi = out + offset(g, b, i, h, length: lq)
          for c in 0..<d { oi[c] = Float(o[c]) }
          logsumexp[(b * g.heads + h) * lq + i] = Float(lse)
        }
      }
    }
  }

  static func backward(
    _ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, keyMask: UnsafePointer<UInt8>?, out: UnsafePointer<Float>,
    logsumexp: UnsafePointer<Float>, gradOut: UnsafePointer<Float>,
    gradQ: UnsafeMutablePointer<Float>, gradK: UnsafeMutablePointer<Float>,
    gradV: UnsafeMutablePointer<Float>
  ) {
    let (lq, lk, d) = (g.queryLength, g.keyLength, g.headDim)
    let scale = Double(g.scale)
    var p = [Double](repeating: 0, count: lk)
    var dp = [Double](repeating: 0, count: lk)
    var dq = [Double](repeating: 0, count: d)
    var dk = [Double](repeating: 0, count: lk * d)
    var dv = [Double](repeating: 0, count: lk * d)
    for b in 0..<g.batch {
      for h in 0..<g.heads {
        for n in 0..<(lk * d) {
          dk[n] = 0
          dv[n] = 0
        }
        for i in 0..<lq {
          _ = probabilities(g, b: b, h: h, i: i, q: q, k: k, keyMask: keyMask, into: &p)
          let doi = gradOut + offset(g, b, i, h, length: lq)
          let qi = q + offset(g, b, i, h, length: lq)
          var pdp = 0.0
          for j in 0..<lk {
            let vj = v + offset(g, b, j, h, length: lk)
            var s = 0.0
            for c in 0..<d { s += Double(doi[c]) * Double(vj[c]) }
            dp[j] = s
            pdp += p[j] * s
          }
          for c in 0..<d { dq[c] = 0 }
          for j in 0..<lk where p[j] != 0 {
            let ds = p[j] * (dp[j] - pdp)
            let kj = k + offset(g, b, j, h, length: lk)
            for c in 0..<d {
              dv[j * d + c] += p[j] * Double(doi[c])
              dk[j * d + c] += scale * ds * Double(qi[c])
              dq[c] += scale * ds * Double(kj[c])
            }
          }
          let dqi = gradQ + offset(g, b, i, h, length: lq)
          for c in 0..<d { dqi[c] = Float(dq[c]) }
        }
        for j in 0..<lk {
          let dkj = gradK + offset(g, b, j, h, length: lk)
          let dvj = gradV + offset(g, b, j, h, length: lk)
          for c in 0..<d {
            dkj[c] = Float(dk[j * d + c])
            dvj[c] = Float(dv[j * d + c])
          }
        }
      }
    }
  }

  /// Offset of row (b, t, h) in a [B, L, H, D] tensor.
  @inline(__always)
  private static func offset(_ g: AttentionGeometry, _ b: Int, _ t: Int, _ h: Int, length: Int)
    -> Int
  {
    ((b * length + t) * g.heads + h) * g.headDim
  }

  /// Softmax row i of (b, h) into `p`; returns its logsumexp (−∞ when every key is masked, and
  /// then p is all zeros).
  private static func probabilities(
    _ g: AttentionGeometry, b: Int, h: Int, i: Int, q: UnsafePointer<Float>,
    k: UnsafePointer<Float>, keyMask: UnsafePointer<UInt8>?, into p: inout [Double]
  ) -> Double {
    let (lq, lk, d) = (g.queryLength, g.keyLength, g.headDim)
    let qi = q + offset(g, b, i, h, length: lq)
    var m = -Double.infinity
    for j in 0..<lk {
      if let keyMask, keyMask[b * lk + j] == 0 {
        p[j] = -.infinity
        continue
      }
      let kj = k + offset(g, b, j, h, length: lk)
      var s = 0.0
      for c in 0..<d { s += Double(qi[c]) * Double(kj[c]) }
      p[j] = Double(g.scale) * s
      m = max(m, p[j])
    }
    guard m > -.infinity else {
      for j in 0..<lk { p[j] = 0 }
      return -.infinity
    }
    var sum = 0.0
    for j in 0..<lk {
      p[j] = p[j] == -.infinity ? 0 : Foundation.exp(p[j] - m)
      sum += p[j]
    }
    for j in 0..<lk { p[j] /= sum }
    return m + Foundation.log(sum)
  }
}
