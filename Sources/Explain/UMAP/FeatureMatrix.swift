/// Points as rows of a dense row-major Float matrix: `rows` points of `columns` features each.
/// The input of `UMAP`, `NearestNeighbors` and `Trustworthiness`.
public struct FeatureMatrix: Sendable, Equatable {
  public let rows: Int
  public let columns: Int
  public var values: [Float]

  public init(rows: Int, columns: Int, values: [Float]) {
    precondition(
      values.count == rows * columns,
      "FeatureMatrix: \(values.count) values for \(rows) × \(columns)")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// Row `i` as an array (for small jobs; hot loops use `values` directly).
  public func row(_ i: Int) -> ArraySlice<Float> { values[(i * columns)..<((i + 1) * columns)] }

  /// The rows at `indices`, in that order.
  public func selecting(_ indices: [Int]) -> FeatureMatrix {
    var out = [Float]()
    out.reserveCapacity(indices.count * columns)
    for i in indices { out.append(contentsOf: row(i)) }
    return FeatureMatrix(rows: indices.count, columns: columns, values: out)
  }

  /// Squared Euclidean norm of every row.
  func squaredNorms() -> [Float] {
    values.withUnsafeBufferPointer { v in
      (0..<rows).map { i in
        var s: Float = 0
        for j in 0..<columns {
          let x = v[i * columns + j]
          s += x * x
        }
        return s
      }
    }
  }
}
