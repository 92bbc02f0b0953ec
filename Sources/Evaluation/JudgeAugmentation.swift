import Tensors

/// Random perturbations that make the judge robust to what a diffusion model draws: glyphs a
/// little off-centre or off-size, strokes a little thicker or thinner, soft edges and residual
/// noise. Applied per image to ink coverage in [0, 1] (1 = black), `size` × `size`, with one
/// `RandomStream`, so an epoch's batches are fixed by the seed.
public struct JudgeAugmentation: Sendable {
  /// Largest shift in pixels (uniform in ±maxShift, sub-pixel, bilinear).
  public var maxShift: Float = 2
  /// Scale uniform in 1 ± maxScale about the centre.
  public var maxScale: Float = 0.1
  /// Probability of thickening or thinning the strokes (3×3 max/min filter, partly blended).
  public var strokeProbability: Float = 0.4
  /// Probability of a 3×3 blur, blended with a random weight.
  public var blurProbability: Float = 0.3
  /// Additive Gaussian noise with σ uniform in [0, maxNoise].
  public var maxNoise: Float = 0.15

  public init() {}

  public func apply(_ ink: inout [Float], size: Int, stream: inout RandomStream) {
    let dx = (stream.nextUniform() * 2 - 1) * maxShift
    let dy = (stream.nextUniform() * 2 - 1) * maxShift
    let scale = 1 + (stream.nextUniform() * 2 - 1) * maxScale
    ink = Self.affine(ink, size: size, scale: scale, dx: dx, dy: dy)
    if stream.nextUniform() < strokeProbability {
      let thicken = stream.nextUniform() < 0.5
      let weight = 0.5 + 0.5 * stream.nextUniform()
      let filtered = Self.rankFilter(ink, size: size, maximum: thicken)
      for i in ink.indices { ink[i] += weight * (filtered[i] - ink[i]) }
    }
    if stream.nextUniform() < blurProbability {
      let weight = stream.nextUniform()
      let blurred = Self.boxBlur(ink, size: size)
      for i in ink.indices { ink[i] += weight * (blurred[i] - ink[i]) }
    }
    let sigma = stream.nextUniform() * maxNoise
    let noise = stream.normals(ink.count)
    for i in ink.indices { ink[i] += sigma * noise[i] }
  }

  /// Output pixel p samples the input at centre + (p − centre − shift) / scale, bilinearly;
  /// outside the image is paper (0 ink).
  static func affine(_ ink: [Float], size: Int, scale: Float, dx: Float, dy: Float) -> [Float] {
    var out = [Float](repeating: 0, count: ink.count)
    let c = Float(size - 1) / 2
    func at(_ x: Int, _ y: Int) -> Float {
      x >= 0 && y >= 0 && x < size && y < size ? ink[y * size + x] : 0
    }
    for y in 0..<size {
      let sy = c + (Float(y) - c - dy) / scale
      let y0 = Int(sy.rounded(.down))
      let fy = sy - Float(y0)
      for x in 0..<size {
        let sx = c + (Float(x) - c - dx) / scale
        let x0 = Int(sx.rounded(.down))
        let fx = sx - Float(x0)
        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
        let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
        out[y * size + x] = top * (1 - fy) + bottom * fy
      }
    }
    return out
  }

  /// 3×3 maximum (dilation: thicker strokes) or minimum (erosion: thinner strokes).
  static func rankFilter(_ ink: [Float], size: Int, maximum: Bool) -> [Float] {
    var out = ink
    for y in 0..<size {
      for x in 0..<size {
        var v = ink[y * size + x]
        for yy in max(0, y - 1)...min(size - 1, y + 1) {
          for xx in max(0, x - 1)...min(size - 1, x + 1) {
            v = maximum ? max(v, ink[yy * size + xx]) : min(v, ink[yy * size + xx])
          }
        }
        out[y * size + x] = v
      }
    }
    return out
  }

  /// 3×3 mean, edges averaged over the pixels that exist.
  static func boxBlur(_ ink: [Float], size: Int) -> [Float] {
    var out = ink
    for y in 0..<size {
      for x in 0..<size {
        var sum: Float = 0
        var n: Float = 0
        for yy in max(0, y - 1)...min(size - 1, y + 1) {
          for xx in max(0, x - 1)...min(size - 1, x + 1) {
            sum += ink[yy * size + xx]
            n += 1
          }
        }
        out[y * size + x] = sum / n
      }
    }
    return out
  }
}
