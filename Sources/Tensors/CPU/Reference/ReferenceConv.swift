/// Naive kernels: the oracle every fast kernel is tested against. Plain loops, fp64
/// accumulation, no blocking, no threads. Slow on purpose; use small shapes.
enum ReferenceKernels {}

// Layouts (see `Conv2dGeometry`): x [N, H, W, I], w [O, KH, KW, I], y [N, OH, OW, O].
// The input pixel read by output (oh, ow) through tap (kh, kw) is
//   ih = oh·strideH − padH + kh,  iw = ow·strideW − padW + kw   (skipped when outside).
extension ReferenceKernels {
  /// Calls `body(outputIndex, inputBase, weightBase)` for every output element y[n,oh,ow,o] and
  /// every kernel tap (kh, kw) whose input pixel lies inside the image: `outputIndex` is the
  /// offset of y[n,oh,ow,o], `inputBase` of x[n,ih,iw,0] and `weightBase` of w[o,kh,kw,0]; the
  /// product the three kernels below sum is Σ_i x[inputBase + i] · w[weightBase + i].
  static func forEachTap(_ g: Conv2dGeometry, _ body: (Int, Int, Int) -> Void) {
    let (oh, ow) = (g.outHeight, g.outWidth)
    let filterSize = g.weightCount / g.outChannels
    for n in 0..<g.batch {
      for y in 0..<oh {
        for x in 0..<ow {
          let outputBase = ((n * oh + y) * ow + x) * g.outChannels
          for kh in 0..<g.kernelH {
            let ih = y * g.strideH - g.padH + kh
            if ih < 0 || ih >= g.height { continue }
            for kw in 0..<g.kernelW {
              let iw = x * g.strideW - g.padW + kw
              if iw < 0 || iw >= g.width { continue }
              let inputBase = ((n * g.height + ih) * g.width + iw) * g.inChannels
              let tap = (kh * g.kernelW + kw) * g.inChannels
              for o in 0..<g.outChannels { body(outputBase + o, inputBase, o * filterSize + tap) }
            }
          }
        }
      }
    }
  }

  /// y[n,oh,ow,o] = bias[o] + Σ_{kh,kw,i} x[n,ih,iw,i] · w[o,kh,kw,i]
  static func conv2dForward(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
  ) {
    var acc = (0..<g.outputCount).map { Double(bias?[$0 % g.outChannels] ?? 0) }
    forEachTap(g) { y, x, w in
      for i in 0..<g.inChannels { acc[y] += Double(input[x + i]) * Double(weight[w + i]) }
    }
    for j in 0..<g.outputCount { output[j] = Float(acc[j]) }
  }

  /// dx[n,ih,iw,i] = Σ_{(oh,ow,kh,kw) reaching (ih,iw)} Σ_o dy[n,oh,ow,o] · w[o,kh,kw,i].
  /// Overwrites `gradInput`.
  static func conv2dBackwardData(
    _ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    gradInput: UnsafeMutablePointer<Float>
  ) {
    var dx = [Double](repeating: 0, count: g.inputCount)
    forEachTap(g) { y, x, w in
      let dy = Double(gradOutput[y])
      for i in 0..<g.inChannels { dx[x + i] += dy * Double(weight[w + i]) }
    }
    for j in 0..<dx.count { gradInput[j] = Float(dx[j]) }
  }

  /// dw[o,kh,kw,i] = Σ_{n,oh,ow} dy[n,oh,ow,o] · x[n,ih,iw,i];  db[o] = Σ_{n,oh,ow} dy[n,oh,ow,o].
  /// Overwrites `gradWeight` and `gradBias`.
  static func conv2dBackwardWeights(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
    gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?
  ) {
    var dw = [Double](repeating: 0, count: g.weightCount)
    var db = [Double](repeating: 0, count: g.outChannels)
    for j in 0..<g.outputCount { db[j % g.outChannels] += Double(gradOutput[j]) }
    forEachTap(g) { y, x, w in
      let dy = Double(gradOutput[y])
      for i in 0..<g.inChannels { dw[w + i] += dy * Double(input[x + i]) }
    }
    for j in 0..<dw.count { gradWeight[j] = Float(dw[j]) }
    if let gradBias { for o in 0..<g.outChannels { gradBias[o] = Float(db[o]) } }
  }
}
