/// A square window onto a 2-D embedding: the points' bounding box padded by 4 % and widened
/// along its shorter side, so that distances look the same in x and y.
struct MapBounds: Sendable, Equatable {
  var x: ClosedRange<Double>
  var y: ClosedRange<Double>

  init(embedding: [Float], dim: Int = 2) {
    var lo = (Double.infinity, Double.infinity)
    var hi = (-Double.infinity, -Double.infinity)
    for i in 0..<(embedding.count / dim) {
      let px = Double(embedding[i * dim])
      let py = Double(embedding[i * dim + 1])
      lo = (min(lo.0, px), min(lo.1, py))
      hi = (max(hi.0, px), max(hi.1, py))
    }
    if !lo.0.isFinite { (lo, hi) = ((0, 0), (1, 1)) }
    let side = max(hi.0 - lo.0, hi.1 - lo.1, 1e-9) * 1.08
    let cx = (lo.0 + hi.0) / 2
    let cy = (lo.1 + hi.1) / 2
    x = (cx - side / 2)...(cx + side / 2)
    y = (cy - side / 2)...(cy + side / 2)
  }

}
