/// Element-wise kernels over operands that may be stored as bf16.
///
/// At bf16 precision the products (convolutions, linear layers) write bf16 activations, as
/// PyTorch's autocast does: half the bytes for every op that reads them. The element-wise ops
/// compute in fp32 either way. A bf16 operand is widened 8 lanes at a time as it is loaded
/// (`vpmovzxwd` + shift: exact), a bf16 result is computed into an L1-sized fp32 block and
/// rounded from there (`BF16Kernels.roundSerial`, vectorised, round to nearest even). So the
/// numbers are those of the fp32 kernel on the widened inputs, rounded once at the end.
public enum DenseOperand: @unchecked Sendable {
  case f32(UnsafeMutablePointer<Float>)
  case bf16(UnsafeMutablePointer<UInt16>)

  var isBF16: Bool {
    if case .bf16 = self { return true }
    return false
  }

  /// Element i as fp32.
  @inline(__always)
  subscript(i: Int) -> Float {
    switch self {
    case .f32(let p): p[i]
    case .bf16(let p): floatFromBF16Bits(p[i])
    }
  }
}

/// 8 bf16 values from element i on, as fp32 (exact). Written lane by lane: LLVM turns this
/// into one `vpmovzxwd` and a shift, while `SIMD8<UInt32>(truncatingIfNeeded:)` stayed a
/// call per vector (measured: bf16 `add` slower than fp32 with it).
@inline(__always)
func widenBF16(_ p: UnsafePointer<UInt16>, _ i: Int) -> Vec8 {
  let h = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<UInt16>.self)
  let w = SIMD8<UInt32>(
    UInt32(h[0]), UInt32(h[1]), UInt32(h[2]), UInt32(h[3]),
    UInt32(h[4]), UInt32(h[5]), UInt32(h[6]), UInt32(h[7]))
  return unsafeBitCast(w &<< 16, to: Vec8.self)
}

extension Tensor {
  /// This dense tensor's elements as a kernel operand (fp32 or bf16).
  var denseOperand: DenseOperand {
    dtype == .bf16 ? .bf16(bf16Pointer) : .f32(floatPointer)
  }
}

extension ElementwiseKernels {
  /// Values per block when a result is rounded to bf16: 16 KiB of fp32, in L1.
  static let mixedBlock = 4096

  /// out[i] = f(a[i]) with either side in fp32 or bf16. The dtype is dispatched once per
  /// call, so each loop is specialised (`VectorSource`) with no test per vector.
  @inline(__always)
  static func map<F: VectorUnary>(_ n: Int, _ a: DenseOperand, _ out: DenseOperand, _ f: F) {
    switch (a, out) {
    case (.f32(let pa), .f32(let po)): map(n, pa, po, f)
    case (.f32(let pa), _): map(n, F32Source(p: pa), out, f)
    case (.bf16(let pa), _): map(n, BF16Source(p: pa), out, f)
    }
  }

  @inline(__always)
  static func map<A: VectorSource, F: VectorUnary>(
    _ n: Int, _ a: A, _ out: DenseOperand, _ f: F
  ) {
    blocks(n, out) { start, count, dst in
      let a = a.advanced(by: start)
      var i = 0
      while i + 8 <= count {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: f(a.load8(i)), as: Vec8.self)
        i += 8
      }
      if i < count {
        let y = f(a.load(i, count - i))
        for j in 0..<(count - i) { dst[i + j] = y[j] }
      }
    }
  }

  /// out[i] = f(a[i], b[i]) with any side in fp32 or bf16 (dispatched once, as `map`).
  @inline(__always)
  static func zip<F: VectorBinary>(
    _ n: Int, _ a: DenseOperand, _ b: DenseOperand, _ out: DenseOperand, _ f: F
  ) {
    switch (a, b, out) {
    case (.f32(let pa), .f32(let pb), .f32(let po)): zip(n, pa, pb, po, f)
    case (.f32(let pa), .f32(let pb), _): zip(n, F32Source(p: pa), F32Source(p: pb), out, f)
    case (.f32(let pa), .bf16(let pb), _): zip(n, F32Source(p: pa), BF16Source(p: pb), out, f)
    case (.bf16(let pa), .f32(let pb), _): zip(n, BF16Source(p: pa), F32Source(p: pb), out, f)
    case (.bf16(let pa), .bf16(let pb), _): zip(n, BF16Source(p: pa), BF16Source(p: pb), out, f)
    }
  }

  @inline(__always)
  static func zip<A: VectorSource, B: VectorSource, F: VectorBinary>(
    _ n: Int, _ a: A, _ b: B, _ out: DenseOperand, _ f: F
  ) {
    blocks(n, out) { start, count, dst in
      let (a, b) = (a.advanced(by: start), b.advanced(by: start))
      var i = 0
      while i + 8 <= count {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: f(a.load8(i), b.load8(i)), as: Vec8.self)
        i += 8
      }
      if i < count {
        let y = f(a.load(i, count - i), b.load(i, count - i))
        for j in 0..<(count - i) { dst[i + j] = y[j] }
      }
    }
  }

  /// Runs `body(start, count, dst)` over fixed blocks of n elements in parallel; `dst` is the
  /// fp32 result at `start` (fp32 `out`) or an L1 block that is then rounded into `out`.
  @inline(__always)
  static func blocks(
    _ n: Int, _ out: DenseOperand,
    _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void
  ) {
    Parallel.forElements(n) { r in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: out.isBF16 ? mixedBlock : 0) {
        scratch in
        var start = r.lowerBound
        while start < r.upperBound {
          let count = min(mixedBlock, r.upperBound - start)
          switch out {
          case .f32(let po): body(start, count, po + start)
          case .bf16(let po):
            body(start, count, scratch.baseAddress!)
            BF16Kernels.roundSerial(scratch.baseAddress!, into: po + start, count: count)
          }
          start += count
        }
      }
    }
  }
}

/// Where a row kernel reads its input: fp32 or bf16 storage. Kernels are generic over it, so
/// each is specialised once per dtype and the bf16 widening inlines into the loop.
protocol VectorSource: Sendable {
  /// 8 values from element i on, as fp32.
  func load8(_ i: Int) -> Vec8
  /// n ≤ 8 values from element i on (zeros beyond n), as fp32.
  func load(_ i: Int, _ n: Int) -> Vec8
  /// Element i as fp32.
  subscript(i: Int) -> Float { get }
  /// The source `count` elements further on.
  func advanced(by count: Int) -> Self
}

struct F32Source: VectorSource, @unchecked Sendable {
  let p: UnsafePointer<Float>
  @inline(__always) func load8(_ i: Int) -> Vec8 {
    UnsafeRawPointer(p + i).loadUnaligned(as: Vec8.self)
  }
  @inline(__always) func load(_ i: Int, _ n: Int) -> Vec8 {
    if n == 8 { return UnsafeRawPointer(p + i).loadUnaligned(as: Vec8.self) }
    var v = Vec8(repeating: 0)
    for j in 0..<n { v[j] = p[i + j] }
    return v
  }
  @inline(__always) subscript(i: Int) -> Float { p[i] }
  @inline(__always) func advanced(by count: Int) -> F32Source { F32Source(p: p + count) }
}

struct BF16Source: VectorSource, @unchecked Sendable {
  let p: UnsafePointer<UInt16>
  @inline(__always) func load8(_ i: Int) -> Vec8 { widenBF16(p, i) }
  @inline(__always) func load(_ i: Int, _ n: Int) -> Vec8 {
    if n == 8 { return widenBF16(p, i) }
    var v = Vec8(repeating: 0)
    for j in 0..<n { v[j] = floatFromBF16Bits(p[i + j]) }
    return v
  }
  @inline(__always) subscript(i: Int) -> Float { floatFromBF16Bits(p[i]) }
  @inline(__always) func advanced(by count: Int) -> BF16Source { BF16Source(p: p + count) }
}
