import Foundation
import Tensors

/// UMAP's stochastic gradient descent on the fuzzy cross-entropy (McInnes et al. 2018, §3.2 and
/// appendix; umap-learn `optimize_layout_euclidean`).
///
/// With q(d) = 1 / (1 + a·d^(2b)) the low-dimensional membership, an edge (i, j) of weight w is
/// sampled every max(w)/w epochs ("epochs_per_sample") and pulls i towards j along the gradient
/// of log q:  Δ = −2ab·d^(2(b−1)) / (1 + a·d^(2b)) · (y_i − y_j); each sample of an edge also
/// draws `negativeSampleRate` uniformly random points k and pushes i away from them along the
/// gradient of log(1 − q):  Δ = 2γb / ((0.001 + d²)(1 + a·d^(2b))) · (y_i − y_k). Every
/// coordinate step is clipped to ±4 and scaled by the learning rate α(n) = α₀ (1 − n / epochs).
///
/// Determinism without Hogwild: umap-learn moves both ends of an edge in place while other
/// threads do the same ("Hogwild"), so its result depends on thread timing. Here each epoch reads
/// the positions of the *other* points from a snapshot taken at the start of the epoch, and each
/// point applies its own edges' steps in order to its own position only (rows of the graph are
/// split over threads). In a fit the graph is symmetric and umap-learn's edge (j, i) also moves
/// i towards j (move_other); that step is applied at row i as a second attraction step
/// (`mirroredAttraction`), so attraction and repulsion keep umap-learn's balance. Negative
/// samples come from a counter-based Philox stream indexed by (epoch, edge, sample), so the
/// random choices too are independent of the thread count.
struct LayoutOptimizer {
  var a: Float
  var b: Float
  var gamma: Float = 1
  var initialAlpha: Float = 1
  var negativeSampleRate: Float = 5
  var epochs: Int
  /// A fit: the moving points are the tail points too (skip self as a negative sample, and take
  /// the mirrored edge's attraction step).
  var isFit: Bool
  var stream: RandomStream

  static let clipValue: Float = 4

  /// Optimises `head` (graph.rows × dim). `tail` (graph.columnCount × dim) is the fixed
  /// reference in `transform`; nil in a fit, where the tail is `head` itself (as of each epoch's
  /// start).
  func optimise(head: inout [Float], tail fixedTail: [Float]?, graph: FuzzyGraph, dim: Int) {
    let edges = graph.edgeCount
    guard edges > 0, epochs > 0 else { return }
    let maxW = Double(graph.weights.max() ?? 1)
    // epochs_per_sample = epochs / (epochs · w / max w) = max w / w (weights are > 0 here).
    let perSample = graph.weights.map { maxW / Double($0) }
    let perNegative = perSample.map { $0 / Double(negativeSampleRate) }
    var nextSample = perSample
    var nextNegative = perNegative
    var snapshot = fixedTail ?? head
    let tailCount = graph.columnCount
    let a = self.a
    let b = self.b
    let gamma = self.gamma
    let isFit = self.isFit
    let stream = self.stream
    let clip = Self.clipValue

    for epoch in 0..<epochs {
      if fixedTail == nil { snapshot = head }
      let alpha = initialAlpha * (1 - Float(epoch) / Float(epochs))
      let n = Double(epoch)
      head.withUnsafeMutableBufferPointer { headBuf in
        snapshot.withUnsafeBufferPointer { tailBuf in
          nextSample.withUnsafeMutableBufferPointer { nsBuf in
            nextNegative.withUnsafeMutableBufferPointer { nnBuf in
              let hp = SendablePointer(headBuf.baseAddress!)
              let tp = SendablePointer(tailBuf.baseAddress!)
              let ns = SendablePointer(nsBuf.baseAddress!)
              let nn = SendablePointer(nnBuf.baseAddress!)
              Parallel.forChunks(graph.rows, chunk: 256) { _, rows in
                var current = [Float](repeating: 0, count: dim)
                for i in rows {
                  let start = graph.rowStart[i]
                  let end = graph.rowStart[i + 1]
                  guard start < end else { continue }
                  for d in 0..<dim { current[d] = hp.pointer[i * dim + d] }
                  for e in start..<end where ns.pointer[e] <= n {
                    let j = Int(graph.columns[e])
                    let other = tp.pointer + j * dim
                    // Attraction (twice in a fit: this edge and its mirror (j, i)).
                    for _ in 0..<(isFit ? 2 : 1) {
                      var d2: Float = 0
                      for d in 0..<dim {
                        let t = current[d] - other[d]
                        d2 += t * t
                      }
                      guard d2 > 0 else { break }
                      let p = Foundation.exp(b * Foundation.log(d2))  // d^(2b)
                      let coeff = -2 * a * b * (p / d2) / (a * p + 1)
                      for d in 0..<dim {
                        let g = min(max(coeff * (current[d] - other[d]), -clip), clip)
                        current[d] += g * alpha
                      }
                    }
                    ns.pointer[e] += perSample[e]
                    // Negative samples owed since the last ones.
                    let count = Int((n - nn.pointer[e]) / perNegative[e])
                    var words = SIMD4<UInt32>()
                    for s in 0..<max(count, 0) {
                      if s % 4 == 0 {
                        // Block (epoch, edge, s / 4): at most 2¹⁶ blocks per edge per epoch.
                        let counter =
                          ((UInt64(epoch) &* UInt64(edges) &+ UInt64(e)) << 16) | UInt64(s / 4)
                        words = stream.block(at: counter)
                      }
                      // Lemire's multiply-shift maps a 32-bit word onto 0..<tailCount.
                      let k = Int((UInt64(words[s % 4]) &* UInt64(tailCount)) >> 32)
                      if isFit && k == i { continue }
                      let neg = tp.pointer + k * dim
                      var d2: Float = 0
                      for d in 0..<dim {
                        let t = current[d] - neg[d]
                        d2 += t * t
                      }
                      guard d2 > 0 else { continue }
                      let p = Foundation.exp(b * Foundation.log(d2))
                      let coeff = 2 * gamma * b / ((0.001 + d2) * (a * p + 1))
                      for d in 0..<dim {
                        let g = min(max(coeff * (current[d] - neg[d]), -clip), clip)
                        current[d] += g * alpha
                      }
                    }
                    nn.pointer[e] += Double(max(count, 0)) * perNegative[e]
                  }
                  for d in 0..<dim { hp.pointer[i * dim + d] = current[d] }
                }
              }
            }
          }
        }
      }
    }
  }
}
