/// Upsampling of square single-channel images by an integer factor, as PyTorch's
/// `F.interpolate(mode=…, align_corners=False)`: output pixel i samples the input at
/// x = (i + ½)/f − ½ (pixel centres), reading indices clamped to the image. Bilinear feeds the
/// super-resolution stage its low-resolution condition (SR3, Saharia et al. 2021, §2.2;
/// Imagen); bicubic is the trivial baseline every super-resolution result is compared with.
public enum GlyphUpsample {
  public enum Kernel: Sendable {
    case bilinear
    /// Keys' cubic convolution with a = −0.75 (PyTorch's and OpenCV's choice).
    case bicubic
  }

  /// `count` images of `s` × `s` values → `s·factor` × `s·factor`.
  public static func upsample(
    _ src: [Float], count: Int, side s: Int, factor: Int, kernel: Kernel
  ) -> [Float] {
    precondition(factor >= 1 && src.count == count * s * s, "upsample: \(src.count) values")
    let t = s * factor
    let taps = (0..<t).map { weights(outputIndex: $0, factor: factor, side: s, kernel: kernel) }
    var out = [Float](repeating: 0, count: count * t * t)
    var row = [Float](repeating: 0, count: t)
    for n in 0..<count {
      let base = n * s * s
      // Separable: each output row mixes input rows (vertical taps) after a horizontal pass.
      var horizontal = [Float](repeating: 0, count: s * t)
      for y in 0..<s {
        for x in 0..<t {
          var v: Float = 0
          for (i, w) in taps[x] { v += w * src[base + y * s + i] }
          horizontal[y * t + x] = v
        }
      }
      for y in 0..<t {
        for x in 0..<t { row[x] = 0 }
        for (i, w) in taps[y] {
          for x in 0..<t { row[x] += w * horizontal[i * t + x] }
        }
        out.replaceSubrange((n * t + y) * t..<(n * t + y + 1) * t, with: row)
      }
    }
    return out
  }

  /// Input indices (clamped) and weights of output pixel `i`.
  static func weights(outputIndex i: Int, factor: Int, side s: Int, kernel: Kernel)
    -> [(Int, Float)]
  {
    let x = (Double(i) + 0.5) / Double(factor) - 0.5
    func clamp(_ k: Int) -> Int { min(max(k, 0), s - 1) }
    switch kernel {
    case .bilinear:
      // PyTorch clamps the source coordinate at 0 for linear modes.
      let c = max(x, 0)
      let k = Int(c.rounded(.down))
      let w = Float(c - Double(k))
      return [(clamp(k), 1 - w), (clamp(k + 1), w)]
    case .bicubic:
      let k = Int(x.rounded(.down))
      let d = x - Double(k)
      return (-1...2).map { j in (clamp(k + j), Float(cubic(Double(j) - d))) }
    }
  }

  /// Keys (1981) cubic convolution kernel with a = −0.75.
  static func cubic(_ x: Double) -> Double {
    let a = -0.75
    let t = abs(x)
    if t <= 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
    if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
    return 0
  }
}
