/// Strided gather into dense memory, with dtype conversion (fp32 ↔ bf16).
extension Tensor {
  /// A dense copy of `t` in dtype `target`; no autodiff.
  static func copying(_ t: Tensor, to target: DType) -> Tensor {
    let out = Tensor(uninitializedShape: t.shape, dtype: target)
    let n = t.scalarCount
    if n == 0 { return out }
    let rank = t.rank
    if t.isContiguous {
      switch (t.dtype, target) {
      case (.f32, .f32): out.floatPointer.update(from: t.floatPointer, count: n)
      case (.bf16, .bf16): out.bf16Pointer.update(from: t.bf16Pointer, count: n)
      case (.f32, .bf16):
        BF16Kernels.round(t.floatPointer, into: out.bf16Pointer, count: n)
      case (.bf16, .f32):
        let s = SendablePointer(t.bf16Pointer)
        let d = SendablePointer(out.floatPointer)
        Parallel.forElements(n) { r in
          for i in r { d.pointer[i] = floatFromBF16Bits(s.pointer[i]) }
        }
      }
      return out
    }
    // General strided walk: an odometer over all but the last dimension.
    let inner = rank == 0 ? 1 : t.shape[rank - 1]
    let innerStride = rank == 0 ? 0 : t.strides[rank - 1]
    let outer = n / inner
    var index = [Int](repeating: 0, count: max(rank - 1, 0))
    var src = t.offset
    let srcF = t.storage.pointer.assumingMemoryBound(to: Float.self)
    let srcH = t.storage.pointer.assumingMemoryBound(to: UInt16.self)
    for o in 0..<outer {
      let dst = o * inner
      switch (t.dtype, target) {
      case (.f32, .f32):
        for i in 0..<inner { out.floatPointer[dst + i] = srcF[src + i * innerStride] }
      case (.f32, .bf16):
        for i in 0..<inner { out.bf16Pointer[dst + i] = bf16Bits(srcF[src + i * innerStride]) }
      case (.bf16, .f32):
        for i in 0..<inner {
          out.floatPointer[dst + i] = floatFromBF16Bits(srcH[src + i * innerStride])
        }
      case (.bf16, .bf16):
        for i in 0..<inner { out.bf16Pointer[dst + i] = srcH[src + i * innerStride] }
      }
      // Advance the odometer.
      var d = rank - 2
      while d >= 0 {
        index[d] += 1
        src += t.strides[d]
        if index[d] < t.shape[d] { break }
        src -= t.strides[d] * t.shape[d]
        index[d] = 0
        d -= 1
      }
    }
    return out
  }

  /// The same values stored as `target` (bf16 rounds to nearest even). The gradient flows
  /// through unchanged and is stored in the input's dtype (an fp32 input gets it in fp32).
  public func converted(to target: DType) -> Tensor {
    if dtype == target { return self }
    var out = Tensor.copying(self, to: target)
    out.node = GradNode.make(self, op: "convert") { g in [g] }
    return out
  }
}
