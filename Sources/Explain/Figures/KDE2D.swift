import Foundation
import Tensors

/// A Gaussian kernel density estimate of 2-D points evaluated at the centres of a regular grid,
/// as scipy's `gaussian_kde` with its default bandwidth (Scott 1992, eq. 6.44): the kernel
/// covariance is the data covariance times n^(−2/(d+4)) = n^(−1/3) for d = 2, so
///
///     f(p) = 1 / (n · 2π·√det H) · Σ_i exp(−½ (p − x_i)ᵀ H⁻¹ (p − x_i)).
///
/// Kernels are cut off at Mahalanobis radius 4 (the neglected mass is e⁻⁸ ≈ 3·10⁻⁴ of each
/// kernel) so the cost is O(n · cells within the cut-off), not O(n · all cells).
public struct KDE2D: Sendable {
  public let columns: Int
  public let rows: Int
  public let x: ClosedRange<Double>
  public let y: ClosedRange<Double>
  /// rows × columns densities, row 0 at the top (largest y), as `Figure.heatMap` expects.
  public let values: [Double]
  /// The kernel covariance (H_xx, H_xy, H_yy).
  public let bandwidth: (xx: Double, xy: Double, yy: Double)

  /// Scott's-rule kernel covariance of the points: sample covariance (n − 1) × n^(−1/3).
  public static func scottBandwidth(xs: [Double], ys: [Double]) -> (
    xx: Double, xy: Double, yy: Double
  ) {
    let n = Double(xs.count)
    precondition(xs.count == ys.count && xs.count > 1, "KDE2D: need ≥ 2 points")
    let mx = xs.reduce(0, +) / n
    let my = ys.reduce(0, +) / n
    var sxx = 0.0
    var sxy = 0.0
    var syy = 0.0
    for (a, b) in zip(xs, ys) {
      sxx += (a - mx) * (a - mx)
      sxy += (a - mx) * (b - my)
      syy += (b - my) * (b - my)
    }
    let f = pow(n, -1.0 / 3) / (n - 1)
    return (sxx * f, sxy * f, syy * f)
  }

  /// The density of (xs, ys) on `columns × rows` cells over `x × y`; `bandwidth` nil: Scott's.
  public init(
    xs: [Double], ys: [Double], columns: Int, rows: Int, x: ClosedRange<Double>,
    y: ClosedRange<Double>, bandwidth: (xx: Double, xy: Double, yy: Double)? = nil
  ) {
    precondition(columns > 0 && rows > 0, "KDE2D: grid \(columns) × \(rows)")
    let h = bandwidth ?? Self.scottBandwidth(xs: xs, ys: ys)
    let det = h.xx * h.yy - h.xy * h.xy
    precondition(det > 0, "KDE2D: singular bandwidth \(h) (all points on a line?)")
    // H⁻¹ = [[yy, −xy], [−xy, xx]] / det.
    let ixx = h.yy / det
    let ixy = -h.xy / det
    let iyy = h.xx / det
    let norm = 1 / (Double(xs.count) * 2 * Double.pi * det.squareRoot())
    let cut = 4.0
    let halfX = cut * h.xx.squareRoot()
    let halfY = cut * h.yy.squareRoot()
    let cellW = (x.upperBound - x.lowerBound) / Double(columns)
    let cellH = (y.upperBound - y.lowerBound) / Double(rows)
    // Points sorted by y so each grid row visits only the points within its cut-off band.
    let order = xs.indices.sorted { (ys[$0], $0) < (ys[$1], $1) }
    let sx = order.map { xs[$0] }
    let sy = order.map { ys[$0] }
    var grid = [Double](repeating: 0, count: columns * rows)
    grid.withUnsafeMutableBufferPointer { g in
      let gp = SendablePointer(g.baseAddress!)
      Parallel.forChunks(rows, chunk: 4) { _, range in
        for r in range {
          let cy = y.upperBound - (Double(r) + 0.5) * cellH
          var lo = 0
          var hi = sy.count
          while lo < hi {  // first point with y ≥ cy − halfY
            let mid = (lo + hi) / 2
            if sy[mid] < cy - halfY { lo = mid + 1 } else { hi = mid }
          }
          var i = lo
          while i < sy.count && sy[i] <= cy + halfY {
            let dy = cy - sy[i]
            let c0 = max(0, Int(((sx[i] - halfX) - x.lowerBound) / cellW))
            let c1 = min(columns - 1, Int(((sx[i] + halfX) - x.lowerBound) / cellW))
            if c0 <= c1 {
              for c in c0...c1 {
                let dx = x.lowerBound + (Double(c) + 0.5) * cellW - sx[i]
                let q = ixx * dx * dx + 2 * ixy * dx * dy + iyy * dy * dy
                if q < cut * cut { gp.pointer[r * columns + c] += exp(-0.5 * q) }
              }
            }
            i += 1
          }
          for c in 0..<columns { gp.pointer[r * columns + c] *= norm }
        }
      }
    }
    self.columns = columns
    self.rows = rows
    self.x = x
    self.y = y
    self.values = grid
    self.bandwidth = h
  }
}
