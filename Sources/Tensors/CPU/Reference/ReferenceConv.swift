/// Naive kernels: the oracle every fast kernel is tested against. Plain loops, fp64
/// accumulation, no blocking, no threads. Slow on purpose; use small shapes.
enum ReferenceKernels {}

// Layouts (see `Conv2dGeometry`): x [N, H, W, I], w [O, KH, KW, I], y [N, OH, OW, O].
// The input pixel read by output (oh, ow) through tap (kh, kw) is
//   ih = oh·strideH − padH + kh,  iw = ow·strideW − padW + kw   (skipped when outside).
extension ReferenceKernels {
  /// y[n,oh,ow,o] = bias[o] + Σ_{kh,kw,i} x[n,ih,iw,i] · w[o,kh,kw,i]
  static func conv2dForward(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
  ) {
    let (oh, ow) = (g.outHeight, g.outWidth)
    for n in 0..<g.batch {
      for y in 0..<oh {
        for x in 0..<ow {
          for o in 0..<g.outChannels {
            var acc = Double(bias?[o] ?? 0)
            for kh in 0..<g.kernelH {
              let ih = y * g.strideH - g.padH + kh
              if ih < 0 || ih >= g.height { continue }
              for kw in 0..<g.kernelW {
                let iw = x * g.strideW - g.padW + kw
                if iw < 0 || iw >= g.width { continue }
                let xBase = ((n * g.height + ih) * g.width + iw) * g.inChannels
                let wBase = ((o * g.kernelH + kh) * g.kernelW + kw) * g.inChannels
                for i in 0..<g.inChannels {
                  acc += Double(input[xBase + i]) * Double(weight[wBase + i])
                }
              }
            }
            output[((n * oh + y) * ow + x) * g.outChannels + o] = Float(acc)
          }
        }
      }
    }
  }

  /// dx[n,ih,iw,i] = Σ_{(oh,ow,kh,kw) reaching (ih,iw)} Σ_o dy[n,oh,ow,o] · w[o,kh,kw,i].
  /// Overwrites `gradInput`.
  static func conv2dBackwardData(
    _ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    gradInput: UnsafeMutablePointer<Float>
  ) {
    let (oh, ow) = (g.outHeight, g.outWidth)
    var acc = [Double](repeating: 0, count: g.inputCount)
    for n in 0..<g.batch {
      for y in 0..<oh {
        for x in 0..<ow {
          let dyBase = ((n * oh + y) * ow + x) * g.outChannels
          for kh in 0..<g.kernelH {
            let ih = y * g.strideH - g.padH + kh
            if ih < 0 || ih >= g.height { continue }
            for kw in 0..<g.kernelW {
              let iw = x * g.strideW - g.padW + kw
              if iw < 0 || iw >= g.width { continue }
              let dxBase = ((n * g.height + ih) * g.width + iw) * g.inChannels
              for o in 0..<g.outChannels {
                let dy = Double(gradOutput[dyBase + o])
                let wBase = ((o * g.kernelH + kh) * g.kernelW + kw) * g.inChannels
                for i in 0..<g.inChannels {
                  acc[dxBase + i] += dy * Double(weight[wBase + i])
                }
              }
            }
          }
        }
      }
    }
    for j in 0..<acc.count { gradInput[j] = Float(acc[j]) }
  }

  /// dw[o,kh,kw,i] = Σ_{n,oh,ow} dy[n,oh,ow,o] · x[n,ih,iw,i];  db[o] = Σ_{n,oh,ow} dy[n,oh,ow,o].
  /// Overwrites `gradWeight` and `gradBias`.
  static func conv2dBackwardWeights(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
    gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?
  ) {
    let (oh, ow) = (g.outHeight, g.outWidth)
    var dw = [Double](repeating: 0, count: g.weightCount)
    var db = [Double](repeating: 0, count: g.outChannels)
    for n in 0..<g.batch {
      for y in 0..<oh {
        for x in 0..<ow {
          let dyBase = ((n * oh + y) * ow + x) * g.outChannels
          for o in 0..<g.outChannels { db[o] += Double(gradOutput[dyBase + o]) }
          for kh in 0..<g.kernelH {
            let ih = y * g.strideH - g.padH + kh
            if ih < 0 || ih >= g.height { continue }
            for kw in 0..<g.kernelW {
              let iw = x * g.strideW - g.padW + kw
              if iw < 0 || iw >= g.width { continue }
              let xBase = ((n * g.height + ih) * g.width + iw) * g.inChannels
              for o in 0..<g.outChannels {
                let dy = Double(gradOutput[dyBase + o])
                let wBase = ((o * g.kernelH + kh) * g.kernelW + kw) * g.inChannels
                for i in 0..<g.inChannels {
                  dw[wBase + i] += dy * Double(input[xBase + i])
                }
              }
            }
          }
        }
      }
    }
    for j in 0..<dw.count { gradWeight[j] = Float(dw[j]) }
    if let gradBias { for o in 0..<g.outChannels { gradBias[o] = Float(db[o]) } }
  }
}
