/// fp32 → bf16 rounding for whole buffers: the conversion every bf16 convolution and matrix
/// product needs for its activations.
///
/// oneDNN 2.6's `jit:uni` reorder does this at 5–9 GB/s on the 2-core machine (measured: 5.6 ms
/// for a 32×64×64×64 tensor, 19 ms for 32×128×64×64; 20 % of a `small` training step). This loop
/// is written so that LLVM vectorises it (no SIMD types, the NaN case as a select): 1.75 ms for
/// 8 M values on one core (29 GB/s of traffic). The reference is the scalar `bf16Bits`.
public enum BF16Kernels {
  /// dst[i] = bf16(src[i]), round to nearest even, NaN kept quiet (as `bf16Bits`).
  public static func round(
    _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<UInt16>, count: Int
  ) {
    let s = SendablePointer(
      UnsafeRawPointer(src).assumingMemoryBound(to: UInt32.self))
    let d = SendablePointer(dst)
    Parallel.forElements(count, grain: 1 << 16) { r in
      roundRange(s.pointer + r.lowerBound, d.pointer + r.lowerBound, r.count)
    }
  }

  /// Column sums (fp32) of a bf16 [rows × cols] matrix: a bf16 linear layer's bias gradient
  /// from its bf16 incoming gradient. Rows go in fixed chunks of about 64 Ki values, and the
  /// chunks' sums are added in chunk order, so the result does not depend on the thread count.
  public static func sumColumns(
    _ src: UnsafePointer<UInt16>, rows: Int, cols: Int, into columnSums: UnsafeMutablePointer<Float>
  ) {
    columnSums.update(repeating: 0, count: cols)
    guard rows > 0, cols > 0 else { return }
    let chunkRows = max(1, (1 << 16) / cols)
    let chunks = (rows + chunkRows - 1) / chunkRows
    let stride = (cols + 7) / 8 * 8
    var partials = [Float](repeating: 0, count: chunks * stride)
    partials.withUnsafeMutableBufferPointer { buffer in
      let (p, s) = (SendablePointer(buffer.baseAddress!), SendablePointer(src))
      Parallel.forChunks(rows, chunk: chunkRows) { chunk, range in
        let acc = p.pointer + chunk * stride
        for row in range {
          ElementwiseKernels.accumulate(
            BF16Source(p: s.pointer + row * cols), into: acc, count: cols)
        }
      }
      for chunk in 0..<chunks {
        for j in 0..<cols { columnSums[j] += p.pointer[chunk * stride + j] }
      }
    }
  }

  /// `round` on one thread, for rows rounded inside a kernel's own parallel loop (GroupNorm,
  /// LayerNorm and GEGLU round each output row from an L1-sized fp32 buffer).
  @inline(__always)
  static func roundSerial(
    _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<UInt16>, count: Int
  ) {
    roundRange(UnsafeRawPointer(src).assumingMemoryBound(to: UInt32.self), dst, count)
  }

  @inline(__always)
  static func roundRange(
    _ s: UnsafePointer<UInt32>, _ d: UnsafeMutablePointer<UInt16>, _ n: Int
  ) {
    for i in 0..<n {
      let x = s[i]
      let nearest = (x &+ 0x7FFF &+ ((x &>> 16) & 1)) &>> 16
      let quietNaN = (x &>> 16) | 0x0040
      d[i] = UInt16(truncatingIfNeeded: (x & 0x7FFF_FFFF) > 0x7F80_0000 ? quietNaN : nearest)
    }
  }
}
