import Foundation
import Tensors
import Testing

@testable import Explain

/// Three well-separated Gaussian blobs in 50-D, 100 points each: centres N(0, 10²) per
/// coordinate; within a blob, a 3-D Gaussian z·A (z ~ N(0, I₃), A a random 3 × 50 matrix) plus
/// N(0, 0.1²) noise — a Gaussian whose variance lies mostly in 3 directions, so neighbourhoods
/// are meaningful (isotropic 50-D blobs have random neighbourhoods and cap trustworthiness at
/// ≈ 0.90 for umap-learn too).
func threeBlobs(seed: UInt64 = 7) -> (points: FeatureMatrix, labels: [Int]) {
  var rng = RandomStream(seed: seed, name: "test.blobs")
  let dim = 50
  var values: [Float] = []
  var labels: [Int] = []
  for c in 0..<3 {
    let centre = rng.normals(dim, mean: 0, std: 10)
    let axes = (0..<3).map { _ in rng.normals(dim) }
    for _ in 0..<100 {
      let z = rng.normals(3)
      let noise = rng.normals(dim, mean: 0, std: 0.1)
      for j in 0..<dim {
        values.append(
          centre[j] + z[0] * axes[0][j] + z[1] * axes[1][j] + z[2] * axes[2][j] + noise[j])
      }
      labels.append(c)
    }
  }
  return (FeatureMatrix(rows: 300, columns: dim, values: values), labels)
}

@Suite struct UMAPTests {
  @Test func exactNeighboursMatchBruteForce() {
    let (x, _) = threeBlobs()
    let g = NearestNeighbors.exact(within: x, k: 5)
    for i in [0, 17, 150, 299] {
      let d = (0..<x.rows).map { j -> (Float, Int) in
        var s: Float = 0
        for c in 0..<x.columns {
          let t = x.values[i * x.columns + c] - x.values[j * x.columns + c]
          s += t * t
        }
        return (j == i ? -1 : s.squareRoot(), j)
      }.sorted { $0 < $1 }
      #expect(g.indices[(i * 5)..<(i * 5 + 5)].map(Int.init) == d.prefix(5).map(\.1))
      for p in 1..<5 { #expect(abs(g.distances[i * 5 + p] - d[p].0) < 1e-5 * d[p].0) }
    }
    // Queries against the data (transform's path): a data row's nearest is itself at 0, and
    // the rest agree with the symmetric search.
    let q = NearestNeighbors.exact(queries: x.selecting([17, 150]), data: x, k: 5)
    #expect(q.indices[0..<5].map(Int.init) == g.indices[85..<90].map(Int.init))
    #expect(q.indices[5..<10].map(Int.init) == g.indices[750..<755].map(Int.init))
    #expect(q.distances[0] == 0 && q.distances[5] == 0)
  }

  /// umap-learn 0.5.12 `find_ab_params(1.0, 0.1)` = (1.57694, 0.89506) and
  /// `find_ab_params(1.0, 0.5)` = (0.58303, 1.33417) (scipy curve_fit); printed by
  /// `scripts/peers/umap_compare.py --ab`.
  @Test func curveParametersMatchUmapLearn() {
    let (a, b) = UMAPCurve.fitAB(minDist: 0.1, spread: 1)
    #expect(abs(a - 1.5769) < 2e-3)
    #expect(abs(b - 0.8951) < 2e-3)
    let (a2, b2) = UMAPCurve.fitAB(minDist: 0.5, spread: 1)
    #expect(abs(a2 - 0.5830) < 2e-3)
    #expect(abs(b2 - 1.3342) < 2e-3)
  }

  @Test func trustworthinessOfIdentityIsOneAndOfShuffleIsLow() {
    let (x, _) = threeBlobs()
    #expect(abs(trustworthiness(high: x, low: x, k: 10) - 1) < 1e-12)
    // Rows of the "embedding" shuffled: neighbourhoods become random.
    var rng = RandomStream(seed: 1, name: "test.shuffle")
    var order = Array(0..<x.rows)
    rng.shuffle(&order)
    #expect(trustworthiness(high: x, low: x.selecting(order), k: 10) < 0.7)
  }

  @Test func blobsAreSeparatedAndTrustworthy() {
    let (x, labels) = threeBlobs()
    let fitted = UMAP(nEpochs: 200, seed: 3).fit(x)
    let y = fitted.embedding
    let low = FeatureMatrix(rows: x.rows, columns: 2, values: y)
    // umap-learn 0.5.12 reaches 0.976–0.983 on such blobs (200 or 500 epochs).
    let t = trustworthiness(high: x, low: low, k: 10)
    #expect(t > 0.95)
    // Every point is nearer its own blob's centroid than any other blob's.
    var centroids = [[Double]](repeating: [0, 0], count: 3)
    for i in 0..<x.rows {
      centroids[labels[i]][0] += Double(y[2 * i]) / 100
      centroids[labels[i]][1] += Double(y[2 * i + 1]) / 100
    }
    for i in 0..<x.rows {
      let d = centroids.map { c in
        hypot(Double(y[2 * i]) - c[0], Double(y[2 * i + 1]) - c[1])
      }
      #expect(d.firstIndex(of: d.min()!) == labels[i])
    }
  }

  @Test func sameSeedSameEmbeddingOnOneAndTwoThreads() {
    let (x, _) = threeBlobs()
    let umap = UMAP(nEpochs: 50, seed: 11)
    let one = Parallel.withThreadCount(1) { umap.fit(x).embedding }
    let two = Parallel.withThreadCount(2) { umap.fit(x).embedding }
    #expect(one == two)
    let other = UMAP(nEpochs: 50, seed: 12).fit(x).embedding
    #expect(other != one)
  }

  @Test func transformPlacesTrainingPointsNearThemselves() {
    let (x, labels) = threeBlobs()
    let fitted = UMAP(nEpochs: 200, seed: 5).fit(x)
    let y = fitted.embedding
    let probe = [0, 42, 120, 250]
    let placed = fitted.transform(x.selecting(probe))
    for (p, i) in probe.enumerated() {
      // Nearer its own position than the typical (median) member of its blob is (umap-learn's
      // transform moves training points as far: 0.1–0.6 here, median blob-mate 1.3–1.8).
      let own = hypot(Double(placed[2 * p] - y[2 * i]), Double(placed[2 * p + 1] - y[2 * i + 1]))
      let mates = (0..<x.rows).filter { labels[$0] == labels[i] && $0 != i }.map { j in
        hypot(Double(y[2 * j] - y[2 * i]), Double(y[2 * j + 1] - y[2 * i + 1]))
      }.sorted()
      #expect(
        own < mates[mates.count / 2], "moved \(own), median blob-mate \(mates[mates.count / 2])")
      // And inside its own blob: its nearest training point has the same label.
      var best = (Double.infinity, -1)
      for j in 0..<x.rows {
        let d = hypot(Double(placed[2 * p] - y[2 * j]), Double(placed[2 * p + 1] - y[2 * j + 1]))
        if d < best.0 { best = (d, j) }
      }
      #expect(labels[best.1] == labels[i])
    }
  }
}
