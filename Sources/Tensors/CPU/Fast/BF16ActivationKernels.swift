/// Element-wise kernels over operands that may be stored as bf16.
///
/// At bf16 precision the products (convolutions, linear layers) write bf16 activations, as
/// PyTorch's autocast does: half the bytes for every op that reads them. The element-wise ops
/// compute in fp32 either way. A bf16 operand is widened 8 lanes at a time as it is loaded
/// (`vpmovzxwd` + shift: exact); a bf16 result is rounded to nearest even (the bits of
/// `bf16Bits`) 8 lanes at a time as it is stored (`narrowBF16`, binary ops) or per 2048-value
/// block (unary ops). So the numbers are those of the fp32 kernel on the widened inputs,
/// rounded once at the end.
enum DenseOperand: @unchecked Sendable {
  case f32(UnsafeMutablePointer<Float>)
  case bf16(UnsafeMutablePointer<UInt16>)

  var isBF16: Bool {
    if case .bf16 = self { return true }
    return false
  }

  /// Elements start..<start+count as fp32: in place for fp32, else widened into `buffer`
  /// (at least `count` values; exact). For row kernels that read a row more than once.
  @inline(__always)
  func row(_ start: Int, count: Int, buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
    switch self {
    case .f32(let p): return UnsafePointer(p + start)
    case .bf16(let p):
      for i in 0..<count { buffer[i] = floatFromBF16Bits(p[start + i]) }
      return UnsafePointer(buffer)
    }
  }

  /// Where a row kernel writes elements start..<start+count as fp32: in place for fp32, else
  /// `buffer` (at least `count` values), which `finishRow` then rounds into place.
  @inline(__always)
  func outputRow(_ start: Int, buffer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    switch self {
    case .f32(let p): p + start
    case .bf16: buffer
    }
  }

  /// Completes a row written through `outputRow`: rounds it into place for bf16 (from L1,
  /// where the kernel just wrote it); nothing to do for fp32.
  @inline(__always)
  func finishRow(_ start: Int, count: Int, from row: UnsafeMutablePointer<Float>) {
    if case .bf16(let p) = self { BF16Kernels.roundSerial(row, into: p + start, count: count) }
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

/// 16 bf16 values from element i on, as fp32 (exact). Lane by lane as `widenBF16`: with
/// AVX-512, one `vpmovzxwd` into a zmm register and a shift.
@inline(__always)
func widenBF16x16(_ p: UnsafePointer<UInt16>, _ i: Int) -> Vec16 {
  let h = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<UInt16>.self)
  var w = SIMD16<UInt32>()
  for j in 0..<16 { w[j] = UInt32(h[j]) }
  return unsafeBitCast(w &<< 16, to: Vec16.self)
}

/// A float vector that kernels generic over the width can also load from bf16 storage.
protocol KernelVector: FloatVector {
  /// `scalarCount` bf16 values from element i on, as fp32 (exact).
  static func widening(_ p: UnsafePointer<UInt16>, _ i: Int) -> Self
}

extension SIMD8: KernelVector where Scalar == Float {
  @inline(__always)
  static func widening(_ p: UnsafePointer<UInt16>, _ i: Int) -> Self { widenBF16(p, i) }
}

extension SIMD16: KernelVector where Scalar == Float {
  @inline(__always)
  static func widening(_ p: UnsafePointer<UInt16>, _ i: Int) -> Self { widenBF16x16(p, i) }
}

extension Tensor {
  /// This dense tensor's elements as a kernel operand (fp32 or bf16).
  var denseOperand: DenseOperand {
    dtype == .bf16 ? .bf16(bf16Pointer) : .f32(floatPointer)
  }
}

extension ElementwiseKernels {
  /// out[i] = f(a[i]) with either side in fp32 or bf16. The dtypes are dispatched once per
  /// call, so each loop is specialised (`VectorSource`, `VectorSink`) with no test per vector.
  @inline(__always)
  static func map<F: VectorUnary>(_ n: Int, _ a: DenseOperand, _ out: DenseOperand, _ f: F) {
    switch (a, out) {
    case (.f32(let pa), .f32(let po)): map(n, pa, po, f)
    case (.f32(let pa), .bf16(let po)): map(n, F32Source(p: pa), BF16Sink(p: po), f)
    case (.bf16(let pa), .f32(let po)): map(n, BF16Source(p: pa), F32Sink(p: po), f)
    case (.bf16(let pa), .bf16(let po)): map(n, BF16Source(p: pa), BF16Sink(p: po), f)
    }
  }

  @inline(__always)
  static func map<A: VectorSource, O: VectorSink, F: VectorUnary>(
    _ n: Int, _ a: A, _ out: O, _ f: F
  ) {
    blocked(n, UnaryValues(a: a, f: f), out)
  }

  /// out[i] = values[i] in blocks of 2048 computed into an fp32 buffer on the stack and stored
  /// from there. For a bf16 input and result, storing each vector right after computing it was
  /// 1.4× slower on SiLU (3.4 against 2.4 ms for 8 M values; the cause is not pinned down, 4 KiB
  /// aliasing of the lockstep loads and stores is a guess). The memory-bound `zip` ops store
  /// directly: through blocks, bf16 `add` was 1.3–1.6× slower.
  @inline(__always)
  static func blocked<V: ComputedValues, O: VectorSink>(_ n: Int, _ values: V, _ out: O) {
    Parallel.forElements(n) { r in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: 2048) { buffer in
        let t = buffer.baseAddress!
        var i = r.lowerBound
        while i + 2048 <= r.upperBound {
          if V.wide {
            for j in stride(from: 0, to: 2048, by: 16) {
              UnsafeMutableRawPointer(t + j).storeBytes(of: values.load16(i + j), as: Vec16.self)
            }
          } else {
            for j in stride(from: 0, to: 2048, by: 8) {
              UnsafeMutableRawPointer(t + j).storeBytes(of: values.load8(i + j), as: Vec8.self)
            }
          }
          out.storeBlock(t, i, 2048)
          i += 2048
        }
        while i + 8 <= r.upperBound {
          out.store8(values.load8(i), i)
          i += 8
        }
        if i < r.upperBound {
          out.store(values.load(i, r.upperBound - i), i, r.upperBound - i)
        }
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
    case (_, _, .f32(let po)): zip(n, a, b, F32Sink(p: po), f)
    case (_, _, .bf16(let po)): zip(n, a, b, BF16Sink(p: po), f)
    }
  }

  @inline(__always)
  static func zip<O: VectorSink, F: VectorBinary>(
    _ n: Int, _ a: DenseOperand, _ b: DenseOperand, _ out: O, _ f: F
  ) {
    switch (a, b) {
    case (.f32(let pa), .f32(let pb)): zip(n, F32Source(p: pa), F32Source(p: pb), out, f)
    case (.f32(let pa), .bf16(let pb)): zip(n, F32Source(p: pa), BF16Source(p: pb), out, f)
    case (.bf16(let pa), .f32(let pb)): zip(n, BF16Source(p: pa), F32Source(p: pb), out, f)
    case (.bf16(let pa), .bf16(let pb)): zip(n, BF16Source(p: pa), BF16Source(p: pb), out, f)
    }
  }

  @inline(__always)
  static func zip<A: VectorSource, B: VectorSource, O: VectorSink, F: VectorBinary>(
    _ n: Int, _ a: A, _ b: B, _ out: O, _ f: F
  ) {
    // Arithmetic-heavy kernels go through `map`'s stack blocks. The SiLU gradient on bf16
    // (g, x) into bf16, B32 C64 64x64, best of 5 alternating runs: 3.23 ms in blocks, 4.44 ms
    // rounding each vector as it is computed (fp32 result: 2.57 ms). For `add` and its kin,
    // blocks were 1.3–1.6× slower.
    if F.storesInBlocks { return blocked(n, BinaryValues(a: a, b: b, f: f), out) }
    Parallel.forElements(n) { r in
      var i = r.lowerBound
      while i + 8 <= r.upperBound {
        out.store8(f(a.load8(i), b.load8(i)), i)
        i += 8
      }
      if i < r.upperBound {
        let m = r.upperBound - i
        out.store(f(a.load(i, m), b.load(i, m)), i, m)
      }
    }
  }
}

/// A kernel applied to its sources, read like a source (for `ElementwiseKernels.blocked`).
protocol ComputedValues: Sendable {
  /// Whether `blocked` reads 16 values at a time (the kernel's `wide`).
  static var wide: Bool { get }
  /// f at elements i..<i+16.
  func load16(_ i: Int) -> Vec16
  /// f at elements i..<i+8.
  func load8(_ i: Int) -> Vec8
  /// f at n ≤ 8 elements from i on (lanes past n unspecified).
  func load(_ i: Int, _ n: Int) -> Vec8
}

struct UnaryValues<A: VectorSource, F: VectorUnary>: ComputedValues, @unchecked Sendable {
  let a: A
  let f: F
  static var wide: Bool { F.wide }
  @inline(__always) func load16(_ i: Int) -> Vec16 { f(a.load16(i)) }
  @inline(__always) func load8(_ i: Int) -> Vec8 { f(a.load8(i)) }
  @inline(__always) func load(_ i: Int, _ n: Int) -> Vec8 { f(a.load(i, n)) }
}

struct BinaryValues<A: VectorSource, B: VectorSource, F: VectorBinary>: ComputedValues,
  @unchecked Sendable
{
  let a: A
  let b: B
  let f: F
  static var wide: Bool { F.wide }
  @inline(__always) func load16(_ i: Int) -> Vec16 { f(a.load16(i), b.load16(i)) }
  @inline(__always) func load8(_ i: Int) -> Vec8 { f(a.load8(i), b.load8(i)) }
  @inline(__always) func load(_ i: Int, _ n: Int) -> Vec8 { f(a.load(i, n), b.load(i, n)) }
}

/// 8 values rounded to bf16 (nearest even, NaN kept quiet: the bits of `bf16Bits`) and stored
/// from element i on. Integer lane operations only (the NaN test as a sign), so LLVM keeps it
/// in vector registers: 14 instructions per 8 values, where a `SIMDMask` compare went lane by
/// lane.
@inline(__always)
func narrowBF16(_ v: Vec8, _ p: UnsafeMutablePointer<UInt16>, _ i: Int) {
  let x = unsafeBitCast(v, to: SIMD8<Int32>.self)
  let nearest = (x &+ 0x7FFF &+ ((x &>> 16) & 1)) &>> 16
  let quiet = (x &>> 16) | 0x0040
  // All ones where |x| > +∞ (a NaN): 0x7F800000 − |x| is then negative.
  let nan = (0x7F80_0000 &- (x & 0x7FFF_FFFF)) &>> 31
  let r = (nearest & ~nan) | (quiet & nan)
  let h = SIMD8<UInt16>(
    UInt16(truncatingIfNeeded: r[0]), UInt16(truncatingIfNeeded: r[1]),
    UInt16(truncatingIfNeeded: r[2]), UInt16(truncatingIfNeeded: r[3]),
    UInt16(truncatingIfNeeded: r[4]), UInt16(truncatingIfNeeded: r[5]),
    UInt16(truncatingIfNeeded: r[6]), UInt16(truncatingIfNeeded: r[7]))
  UnsafeMutableRawPointer(p + i).storeBytes(of: h, as: SIMD8<UInt16>.self)
}

/// Where an element-wise kernel writes: fp32 or bf16 storage (rounded in registers).
protocol VectorSink: Sendable {
  /// Stores 8 values from element i on.
  func store8(_ v: Vec8, _ i: Int)
  /// Stores the first n ≤ 8 lanes from element i on.
  func store(_ v: Vec8, _ i: Int, _ n: Int)
  /// Stores `count` fp32 values from a buffer, from element i on.
  func storeBlock(_ values: UnsafePointer<Float>, _ i: Int, _ count: Int)
}

struct F32Sink: VectorSink, @unchecked Sendable {
  let p: UnsafeMutablePointer<Float>
  @inline(__always) func store8(_ v: Vec8, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vec8.self)
  }
  @inline(__always) func store(_ v: Vec8, _ i: Int, _ n: Int) {
    for j in 0..<n { p[i + j] = v[j] }
  }
  @inline(__always) func storeBlock(_ values: UnsafePointer<Float>, _ i: Int, _ count: Int) {
    (p + i).update(from: values, count: count)
  }
}

struct BF16Sink: VectorSink, @unchecked Sendable {
  let p: UnsafeMutablePointer<UInt16>
  @inline(__always) func store8(_ v: Vec8, _ i: Int) { narrowBF16(v, p, i) }
  @inline(__always) func store(_ v: Vec8, _ i: Int, _ n: Int) {
    for j in 0..<n { p[i + j] = bf16Bits(v[j]) }
  }
  /// The vectorised scalar loop: measured faster over a whole block than `narrowBF16` per
  /// vector (SiLU, 2048-value blocks: 2.40 against 2.70 ms for 8 M values).
  @inline(__always) func storeBlock(_ values: UnsafePointer<Float>, _ i: Int, _ count: Int) {
    BF16Kernels.roundSerial(values, into: p + i, count: count)
  }
}

/// Where a row kernel reads its input: fp32 or bf16 storage. Kernels are generic over it, so
/// each is specialised once per dtype and the bf16 widening inlines into the loop.
protocol VectorSource: Sendable {
  /// 16 values from element i on, as fp32.
  func load16(_ i: Int) -> Vec16
  /// 8 values from element i on, as fp32.
  func load8(_ i: Int) -> Vec8
  /// n ≤ 8 values from element i on (zeros beyond n), as fp32.
  func load(_ i: Int, _ n: Int) -> Vec8
  /// n ≤ V.scalarCount values from element i on (zeros beyond n), as fp32, for kernels
  /// generic over the vector width.
  func load<V: KernelVector>(_ i: Int, _ n: Int) -> V
  /// Element i as fp32.
  subscript(i: Int) -> Float { get }
  /// The source `count` elements further on.
  func advanced(by count: Int) -> Self
}

struct F32Source: VectorSource, @unchecked Sendable {
  let p: UnsafePointer<Float>
  @inline(__always) func load16(_ i: Int) -> Vec16 {
    UnsafeRawPointer(p + i).loadUnaligned(as: Vec16.self)
  }
  @inline(__always) func load8(_ i: Int) -> Vec8 {
    UnsafeRawPointer(p + i).loadUnaligned(as: Vec8.self)
  }
  @inline(__always) func load(_ i: Int, _ n: Int) -> Vec8 {
    if n == 8 { return UnsafeRawPointer(p + i).loadUnaligned(as: Vec8.self) }
    var v = Vec8(repeating: 0)
    for j in 0..<n { v[j] = p[i + j] }
    return v
  }
  @inline(__always) func load<V: KernelVector>(_ i: Int, _ n: Int) -> V {
    if n == V.scalarCount { return UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    var v = V()
    for j in 0..<n { v[j] = p[i + j] }
    return v
  }
  @inline(__always) subscript(i: Int) -> Float { p[i] }
  @inline(__always) func advanced(by count: Int) -> F32Source { F32Source(p: p + count) }
}

struct BF16Source: VectorSource, @unchecked Sendable {
  let p: UnsafePointer<UInt16>
  @inline(__always) func load16(_ i: Int) -> Vec16 { widenBF16x16(p, i) }
  @inline(__always) func load8(_ i: Int) -> Vec8 { widenBF16(p, i) }
  @inline(__always) func load(_ i: Int, _ n: Int) -> Vec8 {
    if n == 8 { return widenBF16(p, i) }
    var v = Vec8(repeating: 0)
    for j in 0..<n { v[j] = floatFromBF16Bits(p[i + j]) }
    return v
  }
  @inline(__always) func load<V: KernelVector>(_ i: Int, _ n: Int) -> V {
    if n == V.scalarCount { return V.widening(p, i) }
    var v = V()
    for j in 0..<n { v[j] = floatFromBF16Bits(p[i + j]) }
    return v
  }
  @inline(__always) subscript(i: Int) -> Float { floatFromBF16Bits(p[i]) }
  @inline(__always) func advanced(by count: Int) -> BF16Source { BF16Source(p: p + count) }
}
