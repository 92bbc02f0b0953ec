/// Dense element-wise kernels over fp32 buffers, 8 lanes at a time, split into fixed chunks for
/// the thread pool. `ReferenceKernels` (CPU/Reference) holds the scalar oracles.
public enum ElementwiseKernels {
  /// out[i] = f(a[i]) for n elements.
  @inline(__always)
  public static func map(
    _ n: Int, _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
    _ f: (Vec8) -> Vec8
  ) {
    withoutActuallyEscaping(f) { map(n, a, out, ClosureUnary(f: $0)) }
  }

  /// out[i] = f(a[i]) for n elements, `f` a kernel type. Generic code specialised on `F` calls
  /// it directly and inlines it into the loop; a closure stays an indirect call per 8 values
  /// (with the SIMD8 passed as two xmm halves): SiLU ran 1.4× slower that way. Hot element-wise
  /// ops pass a kernel type, the rest a closure.
  @inline(__always)
  public static func map<F: VectorUnary>(
    _ n: Int, _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ f: F
  ) {
    let pa = SendablePointer(a)
    let po = SendablePointer(out)
    Parallel.forElements(n) { r in
      let a = pa.pointer
      let out = po.pointer
      var i = r.lowerBound
      if F.wide {
        while i + 16 <= r.upperBound {
          let v = UnsafeRawPointer(a + i).loadUnaligned(as: Vec16.self)
          UnsafeMutableRawPointer(out + i).storeBytes(of: f(v), as: Vec16.self)
          i += 16
        }
      }
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
    withoutActuallyEscaping(f) { zip(n, a, b, out, ClosureBinary(f: $0)) }
  }

  /// out[i] = f(a[i], b[i]) for n elements, `f` a kernel type (see `map`).
  @inline(__always)
  public static func zip<F: VectorBinary>(
    _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ out: UnsafeMutablePointer<Float>, _ f: F
  ) {
    let pa = SendablePointer(a)
    let pb = SendablePointer(b)
    let po = SendablePointer(out)
    Parallel.forElements(n) { r in
      let a = pa.pointer
      let b = pb.pointer
      let out = po.pointer
      var i = r.lowerBound
      if F.wide {
        while i + 16 <= r.upperBound {
          let va = UnsafeRawPointer(a + i).loadUnaligned(as: Vec16.self)
          let vb = UnsafeRawPointer(b + i).loadUnaligned(as: Vec16.self)
          UnsafeMutableRawPointer(out + i).storeBytes(of: f(va, vb), as: Vec16.self)
          i += 16
        }
      }
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

  /// dst[i] += src[i] for `count` elements, on the calling thread (one row of a column sum).
  @inline(__always)
  public static func accumulate(
    _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int
  ) {
    accumulate(F32Source(p: src), into: dst, count: count)
  }

  /// As above from a source in either dtype (a bf16 gradient is widened as it is loaded).
  @inline(__always)
  static func accumulate<S: VectorSource>(
    _ src: S, into dst: UnsafeMutablePointer<Float>, count: Int
  ) {
    var j = 0
    while j + 8 <= count {
      let sum = UnsafeRawPointer(dst + j).loadUnaligned(as: Vec8.self) + src.load8(j)
      UnsafeMutableRawPointer(dst + j).storeBytes(of: sum, as: Vec8.self)
      j += 8
    }
    while j < count {
      dst[j] += src[j]
      j += 1
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

/// A lane-wise function of one vector, as a type (see `ElementwiseKernels.map`).
public protocol VectorUnary {
  func callAsFunction(_ x: Vec8) -> Vec8
  /// The same function on 16 lanes. Called only when `wide` is true; by default the two
  /// 8-lane halves.
  func callAsFunction(_ x: Vec16) -> Vec16
  /// Whether the loops go 16 lanes at a time: for arithmetic-heavy kernels (exp, division),
  /// which issue half the instructions at 16 lanes with AVX-512 (see `Vec16`). Memory-bound
  /// kernels (add and its kin) keep 8.
  static var wide: Bool { get }
}

extension VectorUnary {
  @inline(__always)
  public func callAsFunction(_ x: Vec16) -> Vec16 {
    Vec16(lowHalf: self(x.lowHalf), highHalf: self(x.highHalf))
  }
  public static var wide: Bool { false }
}

/// A lane-wise function of two vectors, as a type.
public protocol VectorBinary {
  func callAsFunction(_ a: Vec8, _ b: Vec8) -> Vec8
  /// As `VectorUnary`'s.
  func callAsFunction(_ a: Vec16, _ b: Vec16) -> Vec16
  static var wide: Bool { get }
  /// Whether `zip` computes 2048-value blocks into a stack buffer and stores each from there
  /// (as `map` always does) rather than storing each vector as it is computed. True for
  /// kernels with enough arithmetic that a bf16 store per vector slows them (see `zip`).
  static var storesInBlocks: Bool { get }
}

extension VectorBinary {
  @inline(__always)
  public func callAsFunction(_ a: Vec16, _ b: Vec16) -> Vec16 {
    Vec16(lowHalf: self(a.lowHalf, b.lowHalf), highHalf: self(a.highHalf, b.highHalf))
  }
  public static var wide: Bool { false }
  public static var storesInBlocks: Bool { false }
}

/// A closure as a kernel (calls stay indirect).
struct ClosureUnary: VectorUnary {
  let f: (Vec8) -> Vec8
  @inline(__always) func callAsFunction(_ x: Vec8) -> Vec8 { f(x) }
}

struct ClosureBinary: VectorBinary {
  let f: (Vec8, Vec8) -> Vec8
  @inline(__always) func callAsFunction(_ a: Vec8, _ b: Vec8) -> Vec8 { f(a, b) }
}

/// `a op b` for one of the four arithmetic operators.
struct BinaryOpKernel<Op: ArithmeticOperator>: VectorBinary {
  @inline(__always) func callAsFunction(_ a: Vec8, _ b: Vec8) -> Vec8 { Op.apply(a, b) }
}

/// `a op s` for a broadcast scalar s.
struct BinaryOpRight<Op: ArithmeticOperator>: VectorUnary {
  let b: Vec8
  @inline(__always) func callAsFunction(_ a: Vec8) -> Vec8 { Op.apply(a, b) }
}

/// `s op b` for a broadcast scalar s.
struct BinaryOpLeft<Op: ArithmeticOperator>: VectorUnary {
  let a: Vec8
  @inline(__always) func callAsFunction(_ b: Vec8) -> Vec8 { Op.apply(a, b) }
}

/// SiLU forward, y = x·σ(x).
struct SiLUKernel: VectorUnary {
  static var wide: Bool { true }
  @inline(__always) func callAsFunction(_ x: Vec8) -> Vec8 { vsilu(x) }
  @inline(__always) func callAsFunction(_ x: Vec16) -> Vec16 { vsilu(x) }
}

/// SiLU backward, ∂x = g·σ(x)·(1 + x·(1 − σ(x))), from (g, x).
struct SiLUGradientKernel: VectorBinary {
  static var wide: Bool { true }
  static var storesInBlocks: Bool { true }
  @inline(__always) func callAsFunction(_ g: Vec8, _ x: Vec8) -> Vec8 { Self.gradient(g, x) }
  @inline(__always) func callAsFunction(_ g: Vec16, _ x: Vec16) -> Vec16 { Self.gradient(g, x) }
  @inline(__always) static func gradient<V: FloatVector>(_ g: V, _ x: V) -> V {
    let s = vsigmoid(x)
    return g * s * (1 + x * (1 - s))
  }
}
