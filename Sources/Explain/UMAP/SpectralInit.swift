import Tensors

/// UMAP's spectral initialisation (umap-learn `spectral_layout` / `multi_component_layout`).
///
/// For a connected graph: the eigenvectors of the normalised Laplacian L = I − D^(−½) W D^(−½)
/// with the smallest non-zero eigenvalues (a Laplacian eigenmap, Belkin & Niyogi 2003). Here
/// they are the leading eigenvectors of (I + D^(−½) W D^(−½)) / 2 (PSD, same eigenvectors) with
/// the trivial one, D^(½)·1, deflated, found by subspace iteration instead of ARPACK.
///
/// For a graph with several components, as umap-learn: each component gets its own spectral
/// layout (uniform random if it has ≤ 2·dim points), scaled to half the distance from its
/// anchor to the nearest other anchor, around anchors laid out by the components' data
/// centroids. umap-learn places the anchors at ±unit vectors when there are ≤ 2·dim
/// components (as here) and otherwise by a spectral embedding of centroid affinities; here the
/// latter is a PCA of the centroids (simpler, and also keeps far components far).
enum SpectralInit {
  static func layout(
    graph: FuzzyGraph, data: FeatureMatrix, dim: Int, stream: inout RandomStream
  ) -> [Float] {
    let n = graph.rows
    let (labels, componentCount) = components(graph)
    if componentCount == 1 {
      return spectral(graph, vertices: Array(0..<n), dim: dim, stream: &stream)
        ?? randomLayout(n, dim: dim, range: 10, stream: &stream)
    }
    var members = [[Int]](repeating: [], count: componentCount)
    for i in 0..<n { members[labels[i]].append(i) }
    let anchors = anchorLayout(members: members, data: data, dim: dim, stream: &stream)
    var out = [Float](repeating: 0, count: n * dim)
    for (c, vertices) in members.enumerated() {
      // Half the distance to the nearest other anchor.
      var nearest = Double.infinity
      for o in 0..<componentCount where o != c {
        var d2 = 0.0
        for k in 0..<dim {
          let t = anchors[c * dim + k] - anchors[o * dim + k]
          d2 += t * t
        }
        nearest = min(nearest, d2.squareRoot())
      }
      let range = nearest.isFinite ? nearest / 2 : 1
      var local: [Float]
      if vertices.count <= 2 * dim || vertices.count <= dim + 1 {
        local = randomLayout(vertices.count, dim: dim, range: Float(range), stream: &stream)
      } else {
        local =
          spectral(graph, vertices: vertices, dim: dim, stream: &stream)
          ?? randomLayout(vertices.count, dim: dim, range: 1, stream: &stream)
        let m = local.map { abs($0) }.max() ?? 1
        let scale = Float(range) / max(m, 1e-12)
        for i in local.indices { local[i] *= scale }
      }
      for (p, v) in vertices.enumerated() {
        for k in 0..<dim { out[v * dim + k] = local[p * dim + k] + Float(anchors[c * dim + k]) }
      }
    }
    return out
  }

  /// Spectral coordinates of the sub-graph on `vertices` (a connected component), or nil if it is
  /// too small to have `dim` non-trivial eigenvectors.
  static func spectral(
    _ graph: FuzzyGraph, vertices: [Int], dim: Int, maxIterations: Int = 1000,
    stream: inout RandomStream
  ) -> [Float]? {
    let m = vertices.count
    guard m > dim + 1 else { return nil }
    var local = [Int](repeating: -1, count: graph.rows)
    for (p, v) in vertices.enumerated() { local[v] = p }
    var degree = [Double](repeating: 0, count: m)
    for (p, v) in vertices.enumerated() {
      for e in graph.rowStart[v]..<graph.rowStart[v + 1] { degree[p] += Double(graph.weights[e]) }
    }
    let invSqrt = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
    var trivial = degree.map { $0.squareRoot() }
    let norm = SubspaceIteration.dot(trivial, trivial).squareRoot()
    for i in trivial.indices { trivial[i] /= norm }
    let result = SubspaceIteration.leadingEigenvectors(
      dimension: m, count: dim, deflate: [trivial], maxIterations: maxIterations, stream: &stream
    ) { x, y in
      // y = (x + D^(−½) W D^(−½) x) / 2.
      for (p, v) in vertices.enumerated() {
        var s = 0.0
        for e in graph.rowStart[v]..<graph.rowStart[v + 1] {
          let q = local[Int(graph.columns[e])]
          s += Double(graph.weights[e]) * invSqrt[q] * x[q]
        }
        y[p] = 0.5 * (x[p] + invSqrt[p] * s)
      }
    }
    var out = [Float](repeating: 0, count: m * dim)
    for k in 0..<dim { for p in 0..<m { out[p * dim + k] = Float(result.vectors[k][p]) } }
    return out
  }

  /// Connected components by breadth-first search (the graph is symmetric). Labels are
  /// numbered in order of each component's lowest vertex.
  static func components(_ graph: FuzzyGraph) -> (labels: [Int], count: Int) {
    var labels = [Int](repeating: -1, count: graph.rows)
    var count = 0
    var queue: [Int] = []
    for start in 0..<graph.rows where labels[start] < 0 {
      labels[start] = count
      queue = [start]
      var head = 0
      while head < queue.count {
        let v = queue[head]
        head += 1
        for e in graph.rowStart[v]..<graph.rowStart[v + 1] {
          let w = Int(graph.columns[e])
          if labels[w] < 0 {
            labels[w] = count
            queue.append(w)
          }
        }
      }
      count += 1
    }
    return (labels, count)
  }

  /// Anchor per component: ±unit vectors for ≤ 2·dim components (umap-learn), else the
  /// components' data centroids projected on their `dim` leading principal axes (eigenvectors of
  /// the centred centroid Gram matrix); scaled to at most 1 in absolute value.
  static func anchorLayout(
    members: [[Int]], data: FeatureMatrix, dim: Int, stream: inout RandomStream
  ) -> [Double] {
    let c = members.count
    var anchors = [Double](repeating: 0, count: c * dim)
    if c <= 2 * dim {
      for i in 0..<c { anchors[i * dim + (i / 2)] = i % 2 == 0 ? 1 : -1 }
      return anchors
    }
    let d = data.columns
    var centroids = [[Double]](repeating: [Double](repeating: 0, count: d), count: c)
    for (k, vertices) in members.enumerated() {
      for v in vertices { for j in 0..<d { centroids[k][j] += Double(data.values[v * d + j]) } }
      for j in 0..<d { centroids[k][j] /= Double(vertices.count) }
    }
    var mean = [Double](repeating: 0, count: d)
    for row in centroids { for j in 0..<d { mean[j] += row[j] / Double(c) } }
    for k in 0..<c { for j in 0..<d { centroids[k][j] -= mean[j] } }
    // Gram G = C Cᵀ (c × c); its leading eigenvectors scaled by √λ are the PCA coordinates.
    let result = SubspaceIteration.leadingEigenvectors(
      dimension: c, count: min(dim, c - 1), stream: &stream
    ) { x, y in
      var t = [Double](repeating: 0, count: d)
      for k in 0..<c { SubspaceIteration.axpy(x[k], centroids[k], &t) }
      for k in 0..<c { y[k] = SubspaceIteration.dot(centroids[k], t) }
    }
    for (axis, vector) in result.vectors.enumerated() {
      let s = max(result.values[axis], 0).squareRoot()
      for k in 0..<c { anchors[k * dim + axis] = vector[k] * s }
    }
    let m = anchors.map { abs($0) }.max() ?? 1
    return anchors.map { $0 / max(m, 1e-12) }
  }

  static func randomLayout(_ n: Int, dim: Int, range: Float, stream: inout RandomStream)
    -> [Float]
  {
    stream.uniforms(n * dim).map { ($0 * 2 - 1) * range }
  }
}
