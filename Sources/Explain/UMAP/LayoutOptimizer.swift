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
/// coordinate step is clipped to ±4 and scaled by the learning rate α = α₀ (1 − (n − 1) / epochs) in
/// epoch n ≥ 1 (nothing is due in epoch 0).
///
/// Determinism without Hogwild: umap-learn's parallel mode moves both ends of an edge in place
/// while other threads do the same ("Hogwild"), so its result depends on thread timing (and with
/// a seed it runs on one thread). Here the points are cut into `blocks` fixed blocks (boundaries
/// depend on the point count only) that run in parallel. Within a block, edges are processed in
/// row order on live positions exactly as umap-learn's serial loop does, both ends moving
/// (move_other). A point of another block is read from a snapshot taken at the start of the epoch
/// and not moved; the mirrored edge (j, i) in j's block moves j, and the step it would have given
/// i is taken at i as a second attraction step, so attraction and repulsion keep umap-learn's
/// balance. Negative samples come from a counter-based Philox stream indexed by (epoch, edge,
/// sample). Nothing depends on the thread count.
///
/// Staleness costs a little quality: on the 64 px glyphs (200 epochs, exact k-NN graph, same
/// init) trustworthiness (k = 10, 5,000 points) was 0.8160/0.8163 with 1 block (umap-learn's
/// serial loop; two seeds), 0.8178 with 2, 0.8166 with 4, 0.8113 with 16 and 0.8119 with every
/// other point from the snapshot; umap-learn itself scores 0.823–0.827. Hence 4 blocks: within
/// the serial loop's noise, and room for 4 threads.
struct LayoutOptimizer {
  var a: Float
  var b: Float
  var gamma: Float = 1
  var initialAlpha: Float = 1
  var negativeSampleRate: Float = 5
  var epochs: Int
  /// A fit: the moving points are the tail points too (skip self as a negative sample, move both
  /// ends of an edge, or take the mirrored edge's step).
  var isFit: Bool
  var stream: RandomStream
  /// Parallel blocks of a fit (at least 256 points each), within which points see each other
  /// live; 0: every other point is read from the epoch's snapshot (Jacobi).
  var blocks = 4

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
    let live = isFit && blocks > 0
    // Fixed block boundaries (independent of the thread count): `blocks` blocks, at least 256
    // rows each.
    let blockRows = blocks > 0 ? max(256, (graph.rows + blocks - 1) / blocks) : 256

    for epoch in 0..<epochs {
      if fixedTail == nil { snapshot = head }
      // umap-learn lowers α after each epoch: epoch n runs at α₀ (1 − (n − 1)/epochs), n ≥ 1.
      let alpha = initialAlpha * (1 - Float(max(epoch - 1, 0)) / Float(epochs))
      let n = Double(epoch)
      head.withUnsafeMutableBufferPointer { headBuf in
        snapshot.withUnsafeBufferPointer { tailBuf in
          nextSample.withUnsafeMutableBufferPointer { nsBuf in
            nextNegative.withUnsafeMutableBufferPointer { nnBuf in
              let hp = SendablePointer(headBuf.baseAddress!)
              let tp = SendablePointer(tailBuf.baseAddress!)
              let ns = SendablePointer(nsBuf.baseAddress!)
              let nn = SendablePointer(nnBuf.baseAddress!)
              Parallel.forChunks(graph.rows, chunk: blockRows) { _, rows in
                // Positions of this block's points are read and written live (only this thread
                // touches them); other points are read from the epoch's snapshot.
                func position(_ j: Int) -> UnsafeMutablePointer<Float> {
                  live && rows.contains(j) ? hp.pointer + j * dim : tp.pointer + j * dim
                }
                for i in rows {
                  let start = graph.rowStart[i]
                  let end = graph.rowStart[i + 1]
                  guard start < end else { continue }
                  let current = hp.pointer + i * dim
                  for e in start..<end where ns.pointer[e] <= n {
                    let j = Int(graph.columns[e])
                    let other = position(j)
                    let sameBlock = live && rows.contains(j)
                    // Attraction. In a fit both ends move (umap-learn's move_other): directly
                    // within the block; across blocks the mirrored edge (j, i) cannot move i
                    // from j's thread, so its step is taken here as a second one.
                    for _ in 0..<(isFit && !sameBlock ? 2 : 1) {
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
                        if sameBlock { other[d] -= g * alpha }
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
                      let neg = isFit ? position(k) : tp.pointer + k * dim
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
                }
              }
            }
          }
        }
      }
    }
  }
}
