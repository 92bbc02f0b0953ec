/// Shape arithmetic shared by every op. Shapes are `[Int]`, outermost dimension first; images
/// are NHWC (batch, height, width, channels).
public enum ShapeMath {
  /// Number of elements of a shape (1 for a scalar `[]`).
  @inlinable
  public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// Row-major strides, in elements.
  public static func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[i] = s
      s *= shape[i]
    }
    return strides
  }

  /// NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1.
  public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
      let da = i < n - a.count ? 1 : a[i - (n - a.count)]
      let db = i < n - b.count ? 1 : b[i - (n - b.count)]
      precondition(
        da == db || da == 1 || db == 1, "shapes \(a) and \(b) cannot be broadcast together")
      out[i] = da == 1 ? db : da
    }
    return out
  }

  /// Strides that read a tensor of `shape` (contiguous) as if it had `target` shape: 0 along
  /// broadcast dimensions.
  public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let lead = target.count - shape.count
    precondition(lead >= 0, "cannot broadcast \(shape) to \(target)")
    var out = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count {
      let d = shape[i]
      precondition(d == target[lead + i] || d == 1, "cannot broadcast \(shape) to \(target)")
      out[lead + i] = d == 1 && target[lead + i] != 1 ? 0 : own[i]
    }
    return out
  }

  /// Normalises a possibly negative axis.
  public static func axis(_ axis: Int, rank: Int) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "axis \(axis) out of range for rank \(rank)")
    return a
  }
}
