import Foundation
import Tensors

/// Uniform Manifold Approximation and Projection (McInnes, Healy & Melville 2018,
/// arXiv:1802.03426), following umap-learn 0.5's defaults and steps:
///
/// 1. k-NN graph (exact, `NearestNeighbors`; umap-learn uses NN-descent above 4,096 points);
/// 2. per-point σ/ρ calibration and directed memberships (`SmoothKNN`);
/// 3. fuzzy union symmetrisation, and edges lighter than max/epochs dropped (`FuzzyGraph`);
/// 4. spectral initialisation (`SpectralInit`), scaled to max |y| = 10, plus N(0, 10⁻⁴) noise,
///    then each coordinate rescaled to [0, 10];
/// 5. SGD with edge sampling by weight and negative sampling (`LayoutOptimizer`), with the curve
///    parameters a, b fitted to `minDist` and `spread` (`UMAPCurve.fitAB`).
///
/// Every random choice comes from Philox streams named after their use under `seed`, and every
/// parallel loop is deterministic, so the embedding is a function of (data, parameters, seed)
/// alone, whatever the thread count.
///
///     let umap = UMAP(seed: 0)
///     let fitted = umap.fit(points)              // points: FeatureMatrix, one row per item
///     let xy = fitted.embedding                  // rows × 2
///     let placed = fitted.transform(newPoints)   // new rows into the same map
public struct UMAP: Sendable, Equatable, Codable {
  public var nNeighbors = 15
  public var nComponents = 2
  public var minDist = 0.1
  public var spread = 1.0
  /// nil: umap-learn's default, 500 epochs up to 10,000 points and 200 above.
  public var nEpochs: Int?
  public var learningRate = 1.0
  public var negativeSampleRate = 5
  /// γ, the weight of the repulsive term.
  public var repulsionStrength = 1.0
  public var seed: UInt64 = 0

  public init(
    nNeighbors: Int = 15, nComponents: Int = 2, minDist: Double = 0.1, spread: Double = 1,
    nEpochs: Int? = nil, learningRate: Double = 1, negativeSampleRate: Int = 5,
    repulsionStrength: Double = 1, seed: UInt64 = 0
  ) {
    self.nNeighbors = nNeighbors
    self.nComponents = nComponents
    self.minDist = minDist
    self.spread = spread
    self.nEpochs = nEpochs
    self.learningRate = learningRate
    self.negativeSampleRate = negativeSampleRate
    self.repulsionStrength = repulsionStrength
    self.seed = seed
  }

  /// The curve parameters a, b of q(d) = 1 / (1 + a·d^(2b)).
  public var curve: (a: Double, b: Double) { UMAPCurve.fitAB(minDist: minDist, spread: spread) }

  /// Epochs of a fit of `count` points.
  public func fitEpochs(_ count: Int) -> Int { nEpochs ?? (count <= 10_000 ? 500 : 200) }

  /// Embeds the rows of `data`.
  public func fit(_ data: FeatureMatrix) -> FittedUMAP {
    precondition(data.rows > nNeighbors, "UMAP: \(data.rows) points for \(nNeighbors) neighbours")
    var timings: [(String, Double)] = []
    let clock = ContinuousClock()
    var mark = clock.now
    func lap(_ name: String) {
      let now = clock.now
      timings.append((name, umapSeconds(now - mark)))
      mark = now
    }
    let n = data.rows
    let dim = nComponents
    let knn = NearestNeighbors.exact(within: data, k: nNeighbors)
    lap("knn")
    let (sigmas, rhos) = SmoothKNN.calibrate(knn, localConnectivity: 1)
    let memberships = SmoothKNN.memberships(knn, sigmas: sigmas, rhos: rhos, skipSelf: true)
    let epochs = fitEpochs(n)
    let graph = FuzzyGraph.fuzzyUnion(knn, weights: memberships).pruned(epochs: epochs)
    lap("graph")

    var spectralStream = RandomStream(seed: seed, name: "umap.spectral")
    var y = SpectralInit.layout(graph: graph, data: data, dim: dim, stream: &spectralStream)
    let expansion = 10 / max(y.map { abs($0) }.max() ?? 1, 1e-12)
    var noiseStream = RandomStream(seed: seed, name: "umap.init-noise")
    let noise = noiseStream.normals(n * dim, mean: 0, std: 1e-4)
    for i in y.indices { y[i] = y[i] * expansion + noise[i] }
    Self.rescaleToBox(&y, dim: dim, size: 10)
    lap("init")

    let (a, b) = curve
    let optimiser = LayoutOptimizer(
      a: Float(a), b: Float(b), gamma: Float(repulsionStrength), initialAlpha: Float(learningRate),
      negativeSampleRate: Float(negativeSampleRate), epochs: epochs, isFit: true,
      stream: RandomStream(seed: seed, name: "umap.negative-samples"))
    optimiser.optimise(head: &y, tail: nil, graph: graph, dim: dim)
    lap("layout")
    return FittedUMAP(
      parameters: self, data: data, embedding: y, graphEdges: graph.edgeCount, timings: timings)
  }

  /// Each coordinate mapped linearly onto [0, size] (umap-learn does this before optimising).
  static func rescaleToBox(_ y: inout [Float], dim: Int, size: Float) {
    let n = y.count / dim
    for d in 0..<dim {
      var lo = Float.infinity
      var hi = -Float.infinity
      for i in 0..<n {
        lo = min(lo, y[i * dim + d])
        hi = max(hi, y[i * dim + d])
      }
      let span = hi > lo ? hi - lo : 1
      for i in 0..<n { y[i * dim + d] = size * (y[i * dim + d] - lo) / span }
    }
  }
}

/// A fitted map: the training points, their embedding, and `transform` for new points.
public struct FittedUMAP: Sendable {
  public let parameters: UMAP
  public let data: FeatureMatrix
  /// data.rows × parameters.nComponents, row-major.
  public let embedding: [Float]
  /// Edges of the optimised graph (0 when loaded from a cache).
  public let graphEdges: Int
  /// Seconds per phase of the fit (knn, graph, init, layout); empty when loaded.
  public let timings: [(String, Double)]

  public init(
    parameters: UMAP, data: FeatureMatrix, embedding: [Float], graphEdges: Int = 0,
    timings: [(String, Double)] = []
  ) {
    precondition(
      embedding.count == data.rows * parameters.nComponents,
      "FittedUMAP: \(embedding.count) coordinates for \(data.rows) points")
    self.parameters = parameters
    self.data = data
    self.embedding = embedding
    self.graphEdges = graphEdges
    self.timings = timings
  }

  /// Places new points into this embedding without moving the training points (umap-learn
  /// `UMAP.transform`): k-NN among the training points, memberships with local connectivity 0,
  /// each point started at the membership-weighted mean of its neighbours' positions (exactly at
  /// a neighbour it coincides with), then `epochs` of the same SGD against the fixed training
  /// embedding, at a quarter of the learning rate. `epochs` nil: a third of the fit's epochs if
  /// those were given, else 100 up to 10,000 new points and 30 above (umap-learn's rule).
  public func transform(_ points: FeatureMatrix, epochs: Int? = nil) -> [Float] {
    let p = parameters
    let dim = p.nComponents
    let m = points.rows
    let knn = NearestNeighbors.exact(queries: points, data: data, k: p.nNeighbors)
    let (sigmas, rhos) = SmoothKNN.calibrate(knn, localConnectivity: 0)
    let w = SmoothKNN.memberships(knn, sigmas: sigmas, rhos: rhos, skipSelf: false)
    let nEpochs = epochs ?? p.nEpochs.map { $0 / 3 } ?? (m <= 10_000 ? 100 : 30)
    let full = FuzzyGraph.directed(knn, weights: w, columnCount: data.rows)
    var y = Self.weightedMeanInit(full, embedding: embedding, dim: dim)
    // As umap-learn: initialise from all edges, optimise the ones sampled at least once.
    let graph = full.pruned(epochs: max(nEpochs, 1))
    let (a, b) = p.curve
    let optimiser = LayoutOptimizer(
      a: Float(a), b: Float(b), gamma: Float(p.repulsionStrength),
      initialAlpha: Float(p.learningRate / 4), negativeSampleRate: Float(p.negativeSampleRate),
      epochs: nEpochs, isFit: false,
      stream: RandomStream(seed: p.seed, name: "umap.transform.negative-samples"))
    optimiser.optimise(head: &y, tail: embedding, graph: graph, dim: dim)
    return y
  }

  /// umap-learn `init_graph_transform`: the membership-weighted mean of the neighbours'
  /// positions, or exactly the position of a neighbour with membership 1 (a coincident point).
  static func weightedMeanInit(_ graph: FuzzyGraph, embedding: [Float], dim: Int) -> [Float] {
    let m = graph.rows
    var y = [Float](repeating: 0, count: m * dim)
    for i in 0..<m {
      let range = graph.rowStart[i]..<graph.rowStart[i + 1]
      guard !range.isEmpty else { continue }
      var total: Float = 0
      for e in range { total += graph.weights[e] }
      for e in range {
        let j = Int(graph.columns[e])
        if graph.weights[e] == 1 {
          for d in 0..<dim { y[i * dim + d] = embedding[j * dim + d] }
          break
        }
        for d in 0..<dim { y[i * dim + d] += graph.weights[e] / total * embedding[j * dim + d] }
      }
    }
    return y
  }
}

/// A duration in seconds.
func umapSeconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
