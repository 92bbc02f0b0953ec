/// GEGLU (Shazeer 2020, "GLU Variants Improve Transformer"), as diffusers' `GEGLU` feed-forward:
/// the last dimension of h = [a | b] (2F values) is split in halves and y = a · gelu(b), with the
/// exact (erf) GELU. One fused pass forward and one backward:
///   ∂a = g · gelu(b),  ∂b = g · a · gelu′(b),  gelu′(x) = Φ(x) + x·φ(x).
/// The composition `chunked(2)`, `gelu()`, `*` (the reference these are tested against) copies
/// both strided halves, makes three passes forward and four back, and keeps three tensors for
/// the backward pass instead of h alone.
extension Tensor {
  public func geglu() -> Tensor {
    let twoF = shape[rank - 1]
    precondition(twoF % 2 == 0, "geglu: last dimension \(twoF) is odd")
    let f = twoF / 2
    let rows = scalarCount / max(twoF, 1)
    // A bf16 h (the bf16 projection's output) is read as it is and kept so for the backward.
    let h = contiguous(dtype: dtype)
    // At bf16 precision the result is stored as bf16: it feeds only the feed-forward's output
    // projection, which rounds its input to bf16 anyway (as GroupNorm's output, see there).
    let bf16Output = ComputePrecision.current == .bf16
    var y = Tensor(
      uninitializedShape: Array(shape.dropLast()) + [f], dtype: bf16Output ? .bf16 : .f32)
    GEGLUKernels.forward(
      rows: rows, f: f, h: h.denseOperand, y: bf16Output ? nil : y.floatPointer,
      yBF16: bf16Output ? y.bf16Pointer : nil)
    y.node = GradNode.make(self, op: "geglu") { g in
      // g (y's dtype) is read as it is; ∂h has h's dtype.
      let g = g.contiguous(dtype: g.dtype)
      let dh = Tensor(uninitializedShape: h.shape, dtype: h.dtype)
      GEGLUKernels.backward(
        rows: rows, f: f, h: h.denseOperand, gradOut: g.denseOperand, gradIn: dh.denseOperand)
      return [dh]
    }
    return y
  }
}

enum GEGLUKernels {
  /// Φ(x) = ½(1 + erf(x/√2)), the standard normal CDF; gelu(x) = x·Φ(x).
  /// `@_transparent`: with `@inline(__always)` these were still emitted as calls (a SIMD8
  /// argument then travels as two xmm halves), as `attnExp` notes.
  @_transparent
  static func normalCDF<V: FloatVector>(_ x: V) -> V { 0.5 * (1 + verf(x * 0.707_106_77)) }

  @_transparent
  static func gelu<V: FloatVector>(_ x: V) -> V { x * normalCDF(x) }

  /// φ(x) = e^(−x²/2)/√(2π), so gelu′(x) = Φ(x) + x·φ(x).
  @_transparent
  static func normalPDF<V: FloatVector>(_ x: V) -> V { 0.398_942_28 * vexp(-0.5 * x * x) }

  /// Rows per parallel chunk: about 32 K values of h, never fewer than one row.
  static func rowsPerChunk(_ f: Int) -> Int { max(1, (1 << 15) / max(2 * f, 1)) }

  static func forward(
    rows: Int, f: Int, h: DenseOperand, y: UnsafeMutablePointer<Float>?,
    yBF16: UnsafeMutablePointer<UInt16>?
  ) {
    let (py, py16) = (y.map(SendablePointer.init), yBF16.map(SendablePointer.init))
    Parallel.forChunks(rows, chunk: rowsPerChunk(f)) { _, r in
      // bf16 y: each row goes through an L1-sized fp32 buffer and is rounded from there;
      // bf16 h: each row is widened into one.
      let row = UnsafeMutablePointer<Float>.allocate(capacity: py16 == nil ? 0 : f)
      let hRow = UnsafeMutablePointer<Float>.allocate(capacity: h.isBF16 ? 2 * f : 0)
      defer {
        row.deallocate()
        hRow.deallocate()
      }
      for rowIndex in r {
        let a = h.row(rowIndex * 2 * f, count: 2 * f, buffer: hRow)
        let b = a + f
        let out = py.map { $0.pointer + rowIndex * f } ?? row
        @inline(__always) func block<V: FloatVector>(_ i: Int, _ n: Int, _: V.Type) {
          let v: V = NormKernels.loadPartial(a, i, n) * gelu(NormKernels.loadPartial(b, i, n))
          NormKernels.storePartial(v, out, i, n)
        }
        NormKernels.channelBlocks(
          f, wide: { block($0, 16, Vec16.self) }, narrow: { block($0, $1, Vec8.self) })
        if let py16 {
          BF16Kernels.roundSerial(out, into: py16.pointer + rowIndex * f, count: f)
        }
      }
    }
  }

  /// h, gradOut and gradIn each fp32 or bf16 (rows widened into, or rounded from, L1-sized
  /// buffers).
  static func backward(
    rows: Int, f: Int, h: DenseOperand, gradOut: DenseOperand, gradIn: DenseOperand
  ) {
    Parallel.forChunks(rows, chunk: rowsPerChunk(f)) { _, r in
      let hRow = UnsafeMutablePointer<Float>.allocate(capacity: h.isBF16 ? 2 * f : 0)
      let gRow = UnsafeMutablePointer<Float>.allocate(capacity: gradOut.isBF16 ? f : 0)
      let dRow = UnsafeMutablePointer<Float>.allocate(capacity: gradIn.isBF16 ? 2 * f : 0)
      defer {
        hRow.deallocate()
        gRow.deallocate()
        dRow.deallocate()
      }
      for rowIndex in r {
        let a = h.row(rowIndex * 2 * f, count: 2 * f, buffer: hRow)
        let b = a + f
        let g = gradOut.row(rowIndex * f, count: f, buffer: gRow)
        let da = gradIn.outputRow(rowIndex * 2 * f, buffer: dRow)
        let db = da + f
        @inline(__always) func block<V: FloatVector>(_ i: Int, _ n: Int, _: V.Type) {
          let gv: V = NormKernels.loadPartial(g, i, n)
          let bv: V = NormKernels.loadPartial(b, i, n)
          let cdf = normalCDF(bv)  // one erf for both gelu(b) and gelu′(b)
          NormKernels.storePartial(gv * bv * cdf, da, i, n)
          let av: V = NormKernels.loadPartial(a, i, n)
          NormKernels.storePartial(gv * av * cdf.addingProduct(bv, normalPDF(bv)), db, i, n)
        }
        NormKernels.channelBlocks(
          f, wide: { block($0, 16, Vec16.self) }, narrow: { block($0, $1, Vec8.self) })
        gradIn.finishRow(rowIndex * 2 * f, count: 2 * f, from: da)
      }
    }
  }
}
