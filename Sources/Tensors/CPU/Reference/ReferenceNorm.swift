import Foundation

/// Naive oracles for the normalisation, softmax and resampling kernels: straight loops in Double,
/// written from the formulas in `NormKernels` / `RowKernels`, used only by tests.
enum ReferenceNorm {
  /// GroupNorm forward on x[B, P, C]; returns y.
  static func groupNorm(
    _ x: [Float], batch: Int, pixels: Int, channels C: Int, groups: Int, eps: Float,
    gamma: [Float], beta: [Float], silu: Bool
  ) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    let cg = C / groups
    for b in 0..<batch {
      for g in 0..<groups {
        var s = 0.0
        for p in 0..<pixels {
          for c in (g * cg)..<((g + 1) * cg) { s += Double(x[(b * pixels + p) * C + c]) }
        }
        let mu = s / Double(pixels * cg)
        var v = 0.0
        for p in 0..<pixels {
          for c in (g * cg)..<((g + 1) * cg) {
            let d = Double(x[(b * pixels + p) * C + c]) - mu
            v += d * d
          }
        }
        let rs = 1 / (v / Double(pixels * cg) + Double(eps)).squareRoot()
        for p in 0..<pixels {
          for c in (g * cg)..<((g + 1) * cg) {
            let i = (b * pixels + p) * C + c
            var z = (Double(x[i]) - mu) * rs * Double(gamma[c]) + Double(beta[c])
            if silu { z = z / (1 + Foundation.exp(-z)) }
            y[i] = Float(z)
          }
        }
      }
    }
    return y
  }

  /// LayerNorm over the last dimension of x[R, D].
  static func layerNorm(
    _ x: [Float], rows: Int, dim d: Int, eps: Float, gamma: [Float], beta: [Float]
  ) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    for r in 0..<rows {
      let row = x[(r * d)..<((r + 1) * d)].map(Double.init)
      let mu = row.reduce(0, +) / Double(d)
      let v = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(d)
      let rs = 1 / (v + Double(eps)).squareRoot()
      for j in 0..<d {
        y[r * d + j] = Float((row[j] - mu) * rs * Double(gamma[j]) + Double(beta[j]))
      }
    }
    return y
  }

  /// Softmax over the last dimension of x[R, D].
  static func softmax(_ x: [Float], rows: Int, dim d: Int) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    for r in 0..<rows {
      let row = x[(r * d)..<((r + 1) * d)].map(Double.init)
      let m = row.max() ?? 0
      let e = row.map { Foundation.exp($0 - m) }
      let s = e.reduce(0, +)
      for j in 0..<d { y[r * d + j] = Float(e[j] / s) }
    }
    return y
  }

  /// Nearest-neighbour 2× upsampling of x[B, H, W, C].
  static func upsampleNearest2x(
    _ x: [Float], batch: Int, height: Int, width: Int, channels: Int
  ) -> [Float] {
    var y = [Float](repeating: 0, count: x.count * 4)
    for b in 0..<batch {
      for i in 0..<(2 * height) {
        for j in 0..<(2 * width) {
          for c in 0..<channels {
            y[((b * 2 * height + i) * 2 * width + j) * channels + c] =
              x[((b * height + i / 2) * width + j / 2) * channels + c]
          }
        }
      }
    }
    return y
  }
}
