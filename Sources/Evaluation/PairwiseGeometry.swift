import Tensors

/// Dot products and distances between two sets of row vectors, through the engine's matrix
/// product (fp32, deterministic for any thread count): what KID, precision/recall and the
/// nearest-neighbour search all need.
enum PairwiseGeometry {
  /// `[a.count, b.count]` dot products, row-major.
  static func dots(_ a: [Float], _ aCount: Int, _ b: [Float], _ bCount: Int, dim: Int) -> [Float] {
    ComputePrecision.with(.f32) {
      withNoGrad {
        let x = Tensor(shape: [aCount, dim], scalars: a)
        let y = Tensor(shape: [bCount, dim], scalars: b)
        return x.matmul(y.transposed().contiguous()).scalars
      }
    }
  }

  static func squaredNorms(_ a: [Float], _ count: Int, dim: Int) -> [Float] {
    (0..<count).map { i in
      var s: Float = 0
      for j in 0..<dim { s += a[i * dim + j] * a[i * dim + j] }
      return s
    }
  }

  /// `[a.count, b.count]` Euclidean distances (‖a‖² + ‖b‖² − 2a·b, clamped at 0, rooted).
  static func distances(_ a: [Float], _ aCount: Int, _ b: [Float], _ bCount: Int, dim: Int)
    -> [Float]
  {
    let d = dots(a, aCount, b, bCount, dim: dim)
    let na = squaredNorms(a, aCount, dim: dim)
    let nb = squaredNorms(b, bCount, dim: dim)
    var out = d
    for i in 0..<aCount {
      for j in 0..<bCount {
        out[i * bCount + j] = max(0, na[i] + nb[j] - 2 * d[i * bCount + j]).squareRoot()
      }
    }
    return out
  }
}

/// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", §4): the unbiased
/// estimate of the squared MMD with the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³,
/// averaged over random subsets, with its standard deviation over the subsets — unbiased,
/// unlike FD, which matters with a few hundred glyphs. Subsets of min(1000, n_a, n_b) as
/// torch-fidelity's defaults (100 subsets of 1000).
public enum KernelDistance {
  public static func kid(
    _ a: GlyphJudge.Readout, _ b: GlyphJudge.Readout, subsets: Int = 100, subsetSize: Int = 1000,
    seed: UInt64 = 0
  ) -> (mean: Double, std: Double) {
    let d = a.featureDim
    let m = min(subsetSize, a.count, b.count)
    guard m >= 2 else { return (.nan, .nan) }
    func kernel(_ dots: [Float]) -> [Double] {
      dots.map {
        let v = Double($0) / Double(d) + 1
        return v * v * v
      }
    }
    let kaa = kernel(PairwiseGeometry.dots(a.features, a.count, a.features, a.count, dim: d))
    let kbb = kernel(PairwiseGeometry.dots(b.features, b.count, b.features, b.count, dim: d))
    let kab = kernel(PairwiseGeometry.dots(a.features, a.count, b.features, b.count, dim: d))
    var rng = RandomStream(seed: seed, name: "kid-subsets")
    var values: [Double] = []
    for _ in 0..<subsets {
      var ia = Array(0..<a.count)
      rng.shuffle(&ia)
      ia = Array(ia.prefix(m))
      var ib = Array(0..<b.count)
      rng.shuffle(&ib)
      ib = Array(ib.prefix(m))
      var saa = 0.0
      var sbb = 0.0
      var sab = 0.0
      for (p, i) in ia.enumerated() {
        for (q, j) in ia.enumerated() where p != q { saa += kaa[i * a.count + j] }
        for j in ib { sab += kab[i * b.count + j] }
      }
      for (p, i) in ib.enumerated() {
        for (q, j) in ib.enumerated() where p != q { sbb += kbb[i * b.count + j] }
      }
      let mm = Double(m)
      values.append((saa + sbb) / (mm * (mm - 1)) - 2 * sab / (mm * mm))
    }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance =
      values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))
    return (mean, variance.squareRoot())
  }
}

/// Improved precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall
/// Metric for Assessing Generative Models", §3): each set's manifold is the union of balls
/// around its points with radius the distance to the k-th nearest neighbour in the same set.
/// Precision = share of generated points inside the real manifold (realism); recall = share of
/// real points inside the generated manifold (diversity). k = 3 as the paper recommends.
public enum ManifoldPrecisionRecall {
  public static func compute(real: GlyphJudge.Readout, generated: GlyphJudge.Readout, k: Int = 3)
    -> (precision: Double, recall: Double)
  {
    let d = real.featureDim
    let rr = PairwiseGeometry.distances(
      real.features, real.count, real.features, real.count, dim: d)
    let gg = PairwiseGeometry.distances(
      generated.features, generated.count, generated.features, generated.count, dim: d)
    let rg = PairwiseGeometry.distances(
      real.features, real.count, generated.features, generated.count, dim: d)
    func radii(_ m: [Float], _ n: Int) -> [Float] {
      (0..<n).map { i in
        var row = Array(m[(i * n)..<((i + 1) * n)])
        row.remove(at: i)
        row.sort()
        return row.isEmpty ? 0 : row[min(k, row.count) - 1]
      }
    }
    let rRadius = radii(rr, real.count)
    let gRadius = radii(gg, generated.count)
    var inside = 0
    for j in 0..<generated.count
    where (0..<real.count).contains(where: { rg[$0 * generated.count + j] <= rRadius[$0] }) {
      inside += 1
    }
    var covered = 0
    for i in 0..<real.count
    where (0..<generated.count).contains(where: { rg[i * generated.count + $0] <= gRadius[$0] }) {
      covered += 1
    }
    return (
      Double(inside) / Double(max(generated.count, 1)),
      Double(covered) / Double(max(real.count, 1))
    )
  }
}
