/// A sparse weighted graph in compressed-row form: the edges of row i are
/// `columns[rowStart[i]..<rowStart[i + 1]]` with `weights` alongside, columns ascending.
/// Rows are the points that move in a layout; columns index the points they attach to (the same
/// points in a fit, the training points in `transform`).
public struct FuzzyGraph: Sendable, Equatable {
  public let rows: Int
  public let columnCount: Int
  public var rowStart: [Int]
  public var columns: [Int32]
  public var weights: [Float]

  public var edgeCount: Int { columns.count }

  /// The directed k-NN memberships as a graph (row i: its k neighbours), zero weights dropped.
  static func directed(_ graph: NeighborGraph, weights: [Float], columnCount: Int) -> FuzzyGraph {
    var entries: [(Int, Int32, Float)] = []
    entries.reserveCapacity(graph.count * graph.k)
    for i in 0..<graph.count {
      for p in 0..<graph.k where weights[i * graph.k + p] > 0 {
        entries.append((i, graph.indices[i * graph.k + p], weights[i * graph.k + p]))
      }
    }
    return FuzzyGraph(rows: graph.count, columnCount: columnCount, sortedMerging: entries) {
      $0 + $1
    }
  }

  /// The fuzzy union of the directed graph A with its transpose (UMAP's symmetrisation with
  /// set_op_mix_ratio 1, umap-learn `fuzzy_simplicial_set`): W = A + Aᵀ − A ∘ Aᵀ, i.e. the
  /// probabilistic t-conorm w_ij = a_ij + a_ji − a_ij · a_ji.
  static func fuzzyUnion(_ graph: NeighborGraph, weights: [Float]) -> FuzzyGraph {
    // Entries (row, col, a, b): A contributes (i, j, a_ij, 0), Aᵀ contributes (j, i, 0, a_ij).
    var entries: [(Int, Int32, Float, Float)] = []
    entries.reserveCapacity(2 * graph.count * graph.k)
    for i in 0..<graph.count {
      for p in 0..<graph.k {
        let w = weights[i * graph.k + p]
        guard w > 0 else { continue }
        let j = graph.indices[i * graph.k + p]
        entries.append((i, j, w, 0))
        entries.append((Int(j), Int32(i), 0, w))
      }
    }
    entries.sort { ($0.0, $0.1) < ($1.0, $1.1) }
    var rowStart = [Int](repeating: 0, count: graph.count + 1)
    var columns: [Int32] = []
    var values: [Float] = []
    var e = 0
    while e < entries.count {
      let (r, c, _, _) = entries[e]
      var a: Float = 0
      var b: Float = 0
      while e < entries.count && entries[e].0 == r && entries[e].1 == c {
        a += entries[e].2
        b += entries[e].3
        e += 1
      }
      let w = a + b - a * b
      guard w > 0 else { continue }
      columns.append(c)
      values.append(w)
      rowStart[r + 1] += 1
    }
    for i in 0..<graph.count { rowStart[i + 1] += rowStart[i] }
    return FuzzyGraph(
      rows: graph.count, columnCount: graph.count, rowStart: rowStart, columns: columns,
      weights: values)
  }

  init(rows: Int, columnCount: Int, rowStart: [Int], columns: [Int32], weights: [Float]) {
    self.rows = rows
    self.columnCount = columnCount
    self.rowStart = rowStart
    self.columns = columns
    self.weights = weights
  }

  /// From (row, column, weight) triples, summing duplicates with `combine`.
  init(
    rows: Int, columnCount: Int, sortedMerging triples: [(Int, Int32, Float)],
    combine: (Float, Float) -> Float
  ) {
    let sorted = triples.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    var rowStart = [Int](repeating: 0, count: rows + 1)
    var columns: [Int32] = []
    var weights: [Float] = []
    for (r, c, w) in sorted {
      if let last = columns.last, rowStart[r + 1] > 0, last == c {
        weights[weights.count - 1] = combine(weights[weights.count - 1], w)
      } else {
        columns.append(c)
        weights.append(w)
        rowStart[r + 1] += 1
      }
    }
    for i in 0..<rows { rowStart[i + 1] += rowStart[i] }
    self.init(
      rows: rows, columnCount: columnCount, rowStart: rowStart, columns: columns, weights: weights)
  }

  /// Drops edges lighter than max weight / `epochs` (umap-learn: they would be sampled less than
  /// once in the whole optimisation).
  func pruned(epochs: Int) -> FuzzyGraph {
    let threshold = (weights.max() ?? 0) / Float(epochs)
    var rowStart = [Int](repeating: 0, count: rows + 1)
    var columns: [Int32] = []
    var weights: [Float] = []
    for i in 0..<rows {
      for e in self.rowStart[i]..<self.rowStart[i + 1] where self.weights[e] >= threshold {
        columns.append(self.columns[e])
        weights.append(self.weights[e])
      }
      rowStart[i + 1] = columns.count
    }
    return FuzzyGraph(
      rows: rows, columnCount: columnCount, rowStart: rowStart, columns: columns, weights: weights)
  }
}
