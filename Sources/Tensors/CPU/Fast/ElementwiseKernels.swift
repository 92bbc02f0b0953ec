/// Dense element-wise kernels over fp32 buffers, 8 lanes at a time, split into fixed chunks for
/// the thread pool. `ReferenceKernels` (CPU/Reference) holds the scalar oracles.
public enum ElementwiseKernels {
  /// out[i] = f(a[i]) for n elements.
  @inline(__always)
  public static func map(
    _ n: Int, _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
    _ f: (Vec8) -> Vec8
  ) {
    let pa = SendablePointer(a)
    let po = SendablePointer(out)
    // `f` is called directly (not through a box) so that, once `map` is inlined at a call site
    // with a closure literal, the optimiser can inline `f` into the loop: the indirect call per
    // 8 elements cost 2× on cache-resident tensors.
    Parallel.forElements(n) { r in
      let a = pa.pointer
      let out = po.pointer
      var i = r.lowerBound
      while i + 8 <= r.upperBound {
        let v = UnsafeRawPointer(a + i).loadUnaligned(as: Vec8.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: f(v), as: Vec8.self)
        i += 8
      }
      if i < r.upperBound {
        var v = Vec8(repeating: 0)
        for j in 0..<(r.upperBound - i) { v[j] = a[i + j] }
        let y = f(v)
        for j in 0..<(r.upperBound - i) { out[i + j] = y[j] }
      }
    }
  }

  /// out[i] = f(a[i], b[i]) for n elements.
  @inline(__always)
  public static func zip(
    _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ out: UnsafeMutablePointer<Float>, _ f: (Vec8, Vec8) -> Vec8
  ) {
    let pa = SendablePointer(a)
    let pb = SendablePointer(b)
    let po = SendablePointer(out)
    Parallel.forElements(n) { r in
      let a = pa.pointer
      let b = pb.pointer
      let out = po.pointer
      var i = r.lowerBound
      while i + 8 <= r.upperBound {
        let va = UnsafeRawPointer(a + i).loadUnaligned(as: Vec8.self)
        let vb = UnsafeRawPointer(b + i).loadUnaligned(as: Vec8.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: f(va, vb), as: Vec8.self)
        i += 8
      }
      if i < r.upperBound {
        var va = Vec8(repeating: 0)
        var vb = Vec8(repeating: 0)
        for j in 0..<(r.upperBound - i) {
          va[j] = a[i + j]
          vb[j] = b[i + j]
        }
        let y = f(va, vb)
        for j in 0..<(r.upperBound - i) { out[i + j] = y[j] }
      }
    }
  }

  /// out[i] = f(a[i], b[i], c[i]) for n elements.
  @inline(__always)
  public static func zip3(
    _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
    _ out: UnsafeMutablePointer<Float>, _ f: (Vec8, Vec8, Vec8) -> Vec8
  ) {
    let pa = SendablePointer(a)
    let pb = SendablePointer(b)
    let pc = SendablePointer(c)
    let po = SendablePointer(out)
    withoutActuallyEscaping(f) { f in
      let box = UncheckedBox(f)
      Parallel.forElements(n) { r in
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
          let va = UnsafeRawPointer(pa.pointer + i).loadUnaligned(as: Vec8.self)
          let vb = UnsafeRawPointer(pb.pointer + i).loadUnaligned(as: Vec8.self)
          let vc = UnsafeRawPointer(pc.pointer + i).loadUnaligned(as: Vec8.self)
          UnsafeMutableRawPointer(po.pointer + i).storeBytes(
            of: box.value(va, vb, vc), as: Vec8.self)
          i += 8
        }
        if i < r.upperBound {
          var va = Vec8(repeating: 0)
          var vb = Vec8(repeating: 0)
          var vc = Vec8(repeating: 0)
          for j in 0..<(r.upperBound - i) {
            va[j] = pa.pointer[i + j]
            vb[j] = pb.pointer[i + j]
            vc[j] = pc.pointer[i + j]
          }
          let y = box.value(va, vb, vc)
          for j in 0..<(r.upperBound - i) { po.pointer[i + j] = y[j] }
        }
      }
    }
  }

  /// Sum of n elements: fixed 8-lane partial sums per 32K chunk, chunks combined in order, so the
  /// result is independent of the thread count.
  public static func sum(_ n: Int, _ a: UnsafePointer<Float>) -> Float {
    let chunk = 1 << 15
    let chunks = max(1, (n + chunk - 1) / chunk)
    var partials = [Float](repeating: 0, count: chunks)
    let pa = SendablePointer(a)
    partials.withUnsafeMutableBufferPointer { buf in
      let pp = SendablePointer(buf.baseAddress!)
      Parallel.forChunks(n, chunk: chunk) { c, r in
        var acc = Vec8(repeating: 0)
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
          acc += UnsafeRawPointer(pa.pointer + i).loadUnaligned(as: Vec8.self)
          i += 8
        }
        var s = acc.sum()
        while i < r.upperBound {
          s += pa.pointer[i]
          i += 1
        }
        pp.pointer[c] = s
      }
    }
    return partials.reduce(0, +)
  }
}
