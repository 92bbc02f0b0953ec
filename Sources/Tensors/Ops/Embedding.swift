/// Row lookup in an embedding table and mean-squared error.
extension Tensor {
  /// Rows `indices` of a `[V, D]` table → `[indices.count, D]`. VJP: scatter-add of the rows'
  /// gradients into a zero `[V, D]` (in index order, so deterministic).
  public func gatherRows(_ indices: [Int]) -> Tensor {
    precondition(rank == 2, "gatherRows expects a [V, D] table, got \(shape)")
    let (V, D) = (shape[0], shape[1])
    let table = contiguous(dtype: .f32)
    var out = Tensor(uninitializedShape: [indices.count, D])
    for (r, i) in indices.enumerated() {
      precondition(i >= 0 && i < V, "index \(i) out of range for \(V) rows")
      (out.floatPointer + r * D).update(from: table.floatPointer + i * D, count: D)
    }
    out.node = GradNode.make(self, op: "gatherRows") { g in
      let g = g.contiguous(dtype: .f32)
      let dt = Tensor.zeros([V, D])
      for (r, i) in indices.enumerated() {
        for j in 0..<D { dt.floatPointer[i * D + j] += g.floatPointer[r * D + j] }
      }
      return [dt]
    }
    return out
  }

  /// mean((self − target)²), the denoising loss.
  public func mseLoss(_ target: Tensor) -> Tensor {
    precondition(shape == target.shape, "mseLoss: \(shape) vs \(target.shape)")
    return (self - target).squared().mean()
  }
}
