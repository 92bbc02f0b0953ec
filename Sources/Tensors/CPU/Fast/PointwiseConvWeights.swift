/// The weight gradient of a 1×1, stride-1, unpadded convolution as a matrix product over pixels:
/// with P = N·H·W rows, dY [P, O] and X [P, I] (NHWC),
///   dW [O, I] = dYᵀ · X,   db [O] = Σ_p dY[p, :].
///
/// Why not oneDNN's convolution: its 1×1 backward-weights kernel splits the pixel sum across
/// threads, so its last bits depend on the thread count (excluded in `buildConv`), and the
/// generic kernel left in its place ran at ~96 GFLOP/s on B32 C64→128 32x32 (5.6 of the fp32
/// backward's 8.1 ms, against PyTorch's 6.9 ms for all of it). Here the pixels are cut into
/// fixed chunks of `pointwiseRowsPerChunk`; each chunk's product runs on one thread (`attnGemm`,
/// `dnnl_sgemm`), the chunks in parallel, and the partial sums are added in chunk order, so the
/// bits are the same for any thread count. fp32 only: the backward went from 6.2 to 5.0 ms on
/// B32 C128->256 16x16, while at bf16 the same scheme on oneDNN's bf16 gemm was 1.00-1.10x
/// slower than oneDNN's bf16 convolution kernel, which stays.
extension OneDNN {
  /// Pixels per partial product: one chunk's dY and X stay in L2 for the bias sums.
  static let pointwiseRowsPerChunk = 1024

  /// Whether `g` is a 1×1 convolution with stride 1 and no padding (a matrix product).
  static func isPointwise(_ g: Conv2dGeometry) -> Bool {
    g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0
      && g.padW == 0
  }

  /// Overwrites `gradWeight` (`[O, 1, 1, I]`) and `gradBias` (`[O]`, when given).
  static func pointwiseConvWeightGradient(
    _ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
    gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?
  ) {
    precondition(isPointwise(g), "pointwiseConvWeightGradient: \(g) is not 1×1/stride 1/pad 0")
    let (rows, o, i) = (g.batch * g.height * g.width, g.outChannels, g.inChannels)
    let chunk = pointwiseRowsPerChunk
    let chunks = (rows + chunk - 1) / chunk
    let withBias = gradBias != nil
    // Per chunk: its dW partial (O·I), then its db partial (O).
    let stride = o * i + (withBias ? o : 0)
    let partials = TensorStorage(byteCount: chunks * stride * MemoryLayout<Float>.stride)
    let parts = SendablePointer(partials.floats(count: chunks * stride))
    Parallel.forChunks(rows, chunk: chunk) { c, r in
      let part = parts.pointer + c * stride
      attnSingleThreaded {
        attnGemm(
          "T", "N", m: o, n: i, k: r.count, alpha: 1, a: .f32(gradOutput + r.lowerBound * o),
          lda: o, b: .f32(input + r.lowerBound * i), ldb: i, beta: 0, c: part, ldc: i)
      }
      guard withBias else { return }
      addRows(gradOutput, rows: r, cols: o, into: part + o * i)
    }
    // Each output element sums its partials in chunk order.
    let (pw, pb) = (SendablePointer(gradWeight), gradBias.map(SendablePointer.init))
    Parallel.forElements(stride, grain: 1 << 12) { range in
      var e = range.lowerBound
      while e < range.upperBound {
        let n = min(8, range.upperBound - e)
        var acc = NormKernels.loadPartial(parts.pointer, e, n)
        for c in 1..<max(chunks, 1) {
          acc += NormKernels.loadPartial(parts.pointer + c * stride, e, n)
        }
        // Elements below O·I are dW, the rest db; a vector may straddle the two.
        for j in 0..<n {
          let index = e + j
          if index < o * i {
            pw.pointer[index] = acc[j]
          } else {
            pb!.pointer[index - o * i] = acc[j]
          }
        }
        e += n
      }
    }
    withExtendedLifetime(partials) {}
  }

  /// sums[j] = Σ_{row ∈ rows} s[row·cols + j], rows in order, 8 columns at a time.
  @inline(__always)
  private static func addRows(
    _ s: UnsafePointer<Float>, rows: Range<Int>, cols: Int, into sums: UnsafeMutablePointer<Float>
  ) {
    for j in 0..<cols { sums[j] = 0 }
    for row in rows {
      var j = 0
      while j < cols {
        let n = min(8, cols - j)
        let v = NormKernels.loadPartial(sums, j, n) + NormKernels.loadPartial(s, row * cols + j, n)
        NormKernels.storePartial(v, sums, j, n)
        j += 8
      }
    }
  }
}
