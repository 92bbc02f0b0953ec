/// Views and layout changes: reshape, permute, slice, broadcast, concatenate, split.
///
/// Views share storage (no copy); their VJPs undo the index mapping (inverse permutation,
/// zero-padding for a slice, a sum for a broadcast).
extension Tensor {
  /// A dense copy that records an identity gradient.
  func differentiableCopy() -> Tensor {
    var out = Tensor.copying(self, to: .f32)
    out.node = GradNode.make(self, op: "contiguous") { g in [g] }
    return out
  }

  /// The same elements in a new shape (one dimension may be −1). A view when dense.
  public func reshaped(to newShape: [Int]) -> Tensor {
    var resolved = newShape
    if let i = newShape.firstIndex(of: -1) {
      let known = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
      precondition(known > 0 && scalarCount % known == 0, "cannot reshape \(shape) to \(newShape)")
      resolved[i] = scalarCount / known
    }
    precondition(
      ShapeMath.count(resolved) == scalarCount, "cannot reshape \(shape) to \(newShape)")
    let base = isContiguous ? self : contiguous()
    let oldShape = shape
    return Tensor(
      storage: base.storage, shape: resolved, strides: ShapeMath.contiguousStrides(resolved),
      offset: base.offset, dtype: dtype,
      node: GradNode.make(base, op: "reshape") { g in [g.reshaped(to: oldShape)] })
  }

  /// Reorders dimensions: result dimension i is input dimension `axes[i]`. A view.
  public func permuted(_ axes: [Int]) -> Tensor {
    precondition(axes.sorted() == Array(0..<rank), "invalid permutation \(axes) for rank \(rank)")
    var inverse = [Int](repeating: 0, count: rank)
    for (i, a) in axes.enumerated() { inverse[a] = i }
    return Tensor(
      storage: storage, shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] },
      offset: offset, dtype: dtype,
      node: GradNode.make(self, op: "permute") { g in [g.permuted(inverse)] })
  }

  /// Swaps two dimensions (a view).
  public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
    var axes = Array(0..<rank)
    axes.swapAt(ShapeMath.axis(a, rank: rank), ShapeMath.axis(b, rank: rank))
    return permuted(axes)
  }

  /// Elements `range` along `axis` (a view).
  public func slice(axis: Int, range: Range<Int>) -> Tensor {
    let ax = ShapeMath.axis(axis, rank: rank)
    precondition(
      range.lowerBound >= 0 && range.upperBound <= shape[ax],
      "slice \(range) out of bounds for dimension \(ax) of \(shape)")
    var newShape = shape
    newShape[ax] = range.count
    let inputShape = shape
    return Tensor(
      storage: storage, shape: newShape, strides: strides,
      offset: offset + range.lowerBound * strides[ax], dtype: dtype,
      node: GradNode.make(self, op: "slice") { g in
        var full = Tensor.zeros(inputShape)
        full.write(g, axis: ax, at: range.lowerBound)
        return [full]
      })
  }

  /// Splits along `axis` into pieces of the given sizes (views).
  public func split(sizes: [Int], axis: Int) -> [Tensor] {
    let ax = ShapeMath.axis(axis, rank: rank)
    precondition(sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) do not sum to \(shape[ax])")
    var start = 0
    return sizes.map { n in
      defer { start += n }
      return slice(axis: ax, range: start..<(start + n))
    }
  }

  /// Splits along `axis` into `count` equal pieces.
  public func chunked(_ count: Int, axis: Int) -> [Tensor] {
    let ax = ShapeMath.axis(axis, rank: rank)
    precondition(shape[ax] % count == 0, "dimension \(shape[ax]) not divisible by \(count)")
    return split(sizes: Array(repeating: shape[ax] / count, count: count), axis: ax)
  }

  /// A view repeating size-1 dimensions to `target` (stride 0); its VJP sums them back.
  public func broadcasted(to target: [Int]) -> Tensor {
    if target == shape { return self }
    let base = contiguous()
    let source = shape
    return Tensor(
      storage: base.storage, shape: target,
      strides: ShapeMath.broadcastStrides(source, to: target), offset: base.offset, dtype: dtype,
      node: GradNode.make(base, op: "broadcast") { g in [Tensor.sumToShape(g, source)] })
  }

  /// Joins tensors along `axis` (all other dimensions equal).
  public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
    let rank = tensors[0].rank
    let ax = ShapeMath.axis(axis, rank: rank)
    var outShape = tensors[0].shape
    outShape[ax] = 0
    for t in tensors {
      var s = t.shape
      s[ax] = 0
      precondition(
        s
          == {
            var o = tensors[0].shape
            o[ax] = 0
            return o
          }(),
        "concatenate: shape \(t.shape) does not match \(tensors[0].shape) outside axis \(ax)")
      outShape[ax] += t.shape[ax]
    }
    // bf16 parts stay bf16 (a bit copy) when all are; mixed parts are joined in fp32.
    let allBF16 = tensors.allSatisfy { $0.dtype == .bf16 }
    var out = Tensor(uninitializedShape: outShape, dtype: allBF16 ? .bf16 : .f32)
    var start = 0
    var sizes: [Int] = []
    for t in tensors {
      out.write(t, axis: ax, at: start)
      start += t.shape[ax]
      sizes.append(t.shape[ax])
    }
    out.node = GradNode.make(inputs: tensors, op: "concat") { g, needs in
      let parts = g.split(sizes: sizes, axis: ax)
      // Each part in g's dtype (bf16 stays bf16); accumulation converts to the input's.
      return zip(parts, needs).map { $1 ? $0.contiguous(dtype: $0.dtype) : nil }
    }
    return out
  }

  /// Copies `src` into this dense tensor at offset `start` along `axis` (no autodiff).
  mutating func write(_ src: Tensor, axis: Int, at start: Int) {
    precondition(isContiguous && offset == 0)
    let src = src.contiguous(dtype: dtype)
    // View dims: outer = product before axis, block = src.shape[axis] * inner; in bytes.
    let size = dtype.byteSize
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    let block = src.shape[axis] * inner * size
    let rowStride = shape[axis] * inner * size
    let dst = storage.pointer
    let s = UnsafeRawPointer(src.storage.pointer) + src.offset * size
    withExtendedLifetime(src) {
      for o in 0..<outer {
        (dst + o * rowStride + start * inner * size).copyMemory(
          from: s + o * block, byteCount: block)
      }
    }
  }

  /// Adds a leading dimension of size 1 (or at `axis`).
  public func expandingDims(at axis: Int = 0) -> Tensor {
    var s = shape
    s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
    return reshaped(to: s)
  }

  /// Row `index` along the first dimension, without that dimension.
  public subscript(index: Int) -> Tensor {
    slice(axis: 0, range: index..<(index + 1)).reshaped(to: Array(shape.dropFirst()))
  }
}
