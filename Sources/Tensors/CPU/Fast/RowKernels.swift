/// Row-wise kernels over x[R, D] (dense fp32): LayerNorm and softmax along the last dimension.
///
/// LayerNorm (Ba et al. 2016): x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β per row;
///   VJP dx = (1/σ)(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·γ; dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
/// Softmax: y = e^(x − max)/Σ e^(x − max); VJP dx = y·(dy − Σ dy·y).
/// Rows are split into fixed chunks of 64; dγ/dβ partials per chunk are added in chunk order, so
/// results do not depend on the thread count.
public enum RowKernels {
  static let rowsPerChunk = 64

  @inline(__always)
  static func rowSum(_ p: UnsafePointer<Float>, _ d: Int, _ f: (Vec8) -> Vec8) -> Float {
    var acc = Vec8(repeating: 0)
    var i = 0
    while i + 8 <= d {
      acc += f(NormKernels.load(p, i))
      i += 8
    }
    var s = acc.sum()
    if i < d {
      let v = f(NormKernels.loadPartial(p, i, d - i))
      for j in 0..<(d - i) { s += v[j] }
    }
    return s
  }

  @inline(__always)
  static func rowMap(
    _ d: Int, _ out: UnsafeMutablePointer<Float>, _ f: (Int, Int) -> Vec8
  ) {
    var i = 0
    while i < d {
      let n = min(8, d - i)
      NormKernels.storePartial(f(i, n), out, i, n)
      i += 8
    }
  }

  public static func layerNormForward(
    rows: Int, dim d: Int, eps: Float, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
    beta: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>
  ) {
    layerNormForward(
      rows: rows, dim: d, eps: eps, x: .f32(UnsafeMutablePointer(mutating: x)), gamma: gamma,
      beta: beta, y: y, yBF16: nil, mean: mean, rstd: rstd)
  }

  /// As above, writing y as fp32 (`y`) or rounded to bf16 (`yBF16`, one of the two non-nil);
  /// the bf16 form rounds each row from an L1-sized buffer. A bf16 x is widened row by row.
  static func layerNormForward(
    rows: Int, dim d: Int, eps: Float, x: DenseOperand, gamma: UnsafePointer<Float>?,
    beta: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>?,
    yBF16: UnsafeMutablePointer<UInt16>?, mean: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>
  ) {
    precondition((y == nil) != (yBF16 == nil), "layerNormForward: exactly one output")
    let g = NormKernels.padded(d) { gamma?[$0] ?? 1 }
    let b = NormKernels.padded(d) { beta?[$0] ?? 0 }
    let (pm, pr) = (SendablePointer(mean), SendablePointer(rstd))
    let py = y.map(SendablePointer.init)
    let py16 = yBF16.map(SendablePointer.init)
    g.withUnsafeBufferPointer { gb in
      b.withUnsafeBufferPointer { bb in
        let (gp, bp) = (SendablePointer(gb.baseAddress!), SendablePointer(bb.baseAddress!))
        Parallel.forChunks(rows, chunk: rowsPerChunk) { _, r in
          let buffer = UnsafeMutablePointer<Float>.allocate(capacity: py16 == nil ? 0 : d)
          let xRow = UnsafeMutablePointer<Float>.allocate(capacity: x.isBF16 ? d : 0)
          defer {
            buffer.deallocate()
            xRow.deallocate()
          }
          for row in r {
            let xr = x.row(row * d, count: d, buffer: xRow)
            let mu = rowSum(xr, d) { $0 } / Float(d)
            let m = Vec8(repeating: mu)
            var sq: Float = 0
            var i = 0
            while i < d {
              let n = min(8, d - i)
              let v = NormKernels.loadPartial(xr, i, n) - m
              let v2 = v * v
              for j in 0..<n { sq += v2[j] }
              i += 8
            }
            let rs = 1 / (sq / Float(d) + eps).squareRoot()
            pm.pointer[row] = mu
            pr.pointer[row] = rs
            let out = py.map { $0.pointer + row * d } ?? buffer
            rowMap(d, out) { i, n in
              let xhat = (NormKernels.loadPartial(xr, i, n) - m) * rs
              return NormKernels.load(bp.pointer, i).addingProduct(
                xhat, NormKernels.load(gp.pointer, i))
            }
            if let py16 {
              BF16Kernels.roundSerial(out, into: py16.pointer + row * d, count: d)
            }
          }
        }
      }
    }
  }

  /// x and dy fp32 or bf16 (widened row by row); dx fp32 or bf16 (each row computed into an
  /// L1-sized buffer and rounded from there).
  static func layerNormBackward(
    rows: Int, dim d: Int, x: DenseOperand, gamma: UnsafePointer<Float>?,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dy: DenseOperand,
    dx: DenseOperand, dgamma: UnsafeMutablePointer<Float>?,
    dbeta: UnsafeMutablePointer<Float>?
  ) {
    let g = NormKernels.padded(d) { gamma?[$0] ?? 1 }
    let chunks = (rows + rowsPerChunk - 1) / rowsPerChunk
    let stride = d + 8
    var partG = [Float](repeating: 0, count: max(chunks, 1) * stride)
    var partB = [Float](repeating: 0, count: max(chunks, 1) * stride)
    let (pm, pr) = (SendablePointer(mean), SendablePointer(rstd))
    g.withUnsafeBufferPointer { gb in
      partG.withUnsafeMutableBufferPointer { pgb in
        partB.withUnsafeMutableBufferPointer { pbb in
          let (gp, ppg, ppb) = (
            SendablePointer(gb.baseAddress!), SendablePointer(pgb.baseAddress!),
            SendablePointer(pbb.baseAddress!)
          )
          Parallel.forChunks(rows, chunk: rowsPerChunk) { chunk, r in
            let accG = ppg.pointer + chunk * stride
            let accB = ppb.pointer + chunk * stride
            let xRow = UnsafeMutablePointer<Float>.allocate(capacity: x.isBF16 ? d : 0)
            let dyRow = UnsafeMutablePointer<Float>.allocate(capacity: dy.isBF16 ? d : 0)
            let dxRow = UnsafeMutablePointer<Float>.allocate(capacity: dx.isBF16 ? d : 0)
            defer {
              xRow.deallocate()
              dyRow.deallocate()
              dxRow.deallocate()
            }
            for row in r {
              let xr = x.row(row * d, count: d, buffer: xRow)
              let dyr = dy.row(row * d, count: d, buffer: dyRow)
              let m = Vec8(repeating: pm.pointer[row])
              let rs = pr.pointer[row]
              var sA: Float = 0  // Σ dx̂
              var sB: Float = 0  // Σ dx̂·x̂
              var i = 0
              while i < d {
                let n = min(8, d - i)
                let xhat = (NormKernels.loadPartial(xr, i, n) - m) * rs
                let dyv = NormKernels.loadPartial(dyr, i, n)
                let dxhat = dyv * NormKernels.load(gp.pointer, i)
                let a = n == 8 ? dxhat : dxhat.replacing(with: 0, where: NormKernels.lanes(n))
                sA += a.sum()
                sB += (a * xhat).sum()
                NormKernels.store(NormKernels.load(accG, i).addingProduct(dyv, xhat), accG, i)
                NormKernels.store(NormKernels.load(accB, i) + dyv, accB, i)
                i += 8
              }
              let mA = Vec8(repeating: sA / Float(d))
              let mB = Vec8(repeating: sB / Float(d))
              let out = dx.outputRow(row * d, buffer: dxRow)
              rowMap(d, out) { i, n in
                let xhat = (NormKernels.loadPartial(xr, i, n) - m) * rs
                let dxhat = NormKernels.loadPartial(dyr, i, n) * NormKernels.load(gp.pointer, i)
                return rs * (dxhat - mA - xhat * mB)
              }
              dx.finishRow(row * d, count: d, from: out)
            }
          }
        }
      }
    }
    for j in 0..<d {
      var sg: Float = 0
      var sb: Float = 0
      for c in 0..<chunks {
        sg += partG[c * stride + j]
        sb += partB[c * stride + j]
      }
      dgamma?[j] = sg
      dbeta?[j] = sb
    }
  }

  public static func softmaxForward(
    rows: Int, dim d: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
  ) {
    let (px, py) = (SendablePointer(x), SendablePointer(y))
    Parallel.forChunks(rows, chunk: rowsPerChunk) { _, r in
      for row in r {
        let xr = UnsafePointer(px.pointer + row * d)
        var mx = -Float.infinity
        for i in 0..<d { mx = max(mx, xr[i]) }
        let m = Vec8(repeating: mx)
        let yr = py.pointer + row * d
        var s: Float = 0
        rowMap(d, yr) { i, n in
          let e = vexp(NormKernels.loadPartial(xr, i, n) - m)
          for j in 0..<n { s += e[j] }
          return e
        }
        let inv = 1 / s
        rowMap(d, yr) { i, n in NormKernels.loadPartial(yr, i, n) * inv }
      }
    }
  }

  public static func softmaxBackward(
    rows: Int, dim d: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>
  ) {
    let (py, pdy, pdx) = (SendablePointer(y), SendablePointer(dy), SendablePointer(dx))
    Parallel.forChunks(rows, chunk: rowsPerChunk) { _, r in
      for row in r {
        let yr = UnsafePointer(py.pointer + row * d)
        let dyr = UnsafePointer(pdy.pointer + row * d)
        var dot: Float = 0
        for i in 0..<d { dot += yr[i] * dyr[i] }
        let dv = Vec8(repeating: dot)
        rowMap(d, pdx.pointer + row * d) { i, n in
          NormKernels.loadPartial(yr, i, n) * (NormKernels.loadPartial(dyr, i, n) - dv)
        }
      }
    }
  }
}
