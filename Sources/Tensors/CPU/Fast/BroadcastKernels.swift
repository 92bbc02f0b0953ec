/// Binary ops with NumPy broadcasting and the matching gradient reduction ("sum to shape").
public enum BinaryOp: Sendable {
  case add, sub, mul, div
}

/// One of the four operators as a type. The kernels take it as a generic parameter and so are
/// compiled once per operator: given the `BinaryOp` value instead, every 8-value step went
/// through a jump table (`perf annotate`: an indirect jump per vector, and no unrolling).
protocol ArithmeticOperator {
  static func apply(_ a: Vec8, _ b: Vec8) -> Vec8
}

enum AddOperator: ArithmeticOperator {
  @inline(__always) static func apply(_ a: Vec8, _ b: Vec8) -> Vec8 { a + b }
}
enum SubOperator: ArithmeticOperator {
  @inline(__always) static func apply(_ a: Vec8, _ b: Vec8) -> Vec8 { a - b }
}
enum MulOperator: ArithmeticOperator {
  @inline(__always) static func apply(_ a: Vec8, _ b: Vec8) -> Vec8 { a * b }
}
enum DivOperator: ArithmeticOperator {
  @inline(__always) static func apply(_ a: Vec8, _ b: Vec8) -> Vec8 { a / b }
}

extension Tensor {
  /// Element-wise `a op b` with broadcasting, no autodiff. Operands may be bf16 (read as
  /// they are); the result is bf16 only when both are (`resultDType`), and computed in fp32.
  static func broadcastBinary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) -> Tensor {
    switch op {
    case .add: broadcastBinary(a, b, AddOperator.self)
    case .sub: broadcastBinary(a, b, SubOperator.self)
    case .mul: broadcastBinary(a, b, MulOperator.self)
    case .div: broadcastBinary(a, b, DivOperator.self)
    }
  }

  private static func broadcastBinary<Op: ArithmeticOperator>(
    _ a: Tensor, _ b: Tensor, _ op: Op.Type
  ) -> Tensor {
    let a = a.contiguous(dtype: a.dtype)
    let b = b.contiguous(dtype: b.dtype)
    let outShape = a.shape == b.shape ? a.shape : ShapeMath.broadcast(a.shape, b.shape)
    let out = Tensor(uninitializedShape: outShape, dtype: resultDType(a, b))
    let n = out.scalarCount
    if n == 0 { return out }
    let (pa, pb, po) = (a.denseOperand, b.denseOperand, out.denseOperand)
    if a.shape == b.shape {
      ElementwiseKernels.zip(n, pa, pb, po, BinaryOpKernel<Op>())
    } else if b.scalarCount == 1 && outShape == a.shape {
      ElementwiseKernels.map(n, pa, po, BinaryOpRight<Op>(b: Vec8(repeating: pb[0])))
    } else if a.scalarCount == 1 && outShape == b.shape {
      ElementwiseKernels.map(n, pb, po, BinaryOpLeft<Op>(a: Vec8(repeating: pa[0])))
    } else {
      broadcastGeneral(a, b, out, op)
    }
    return out
  }

  /// General broadcast: rows of the innermost dimension, each with stride 0 or 1 per operand.
  /// A bf16 result row is computed into an fp32 row buffer and rounded from there.
  private static func broadcastGeneral<Op: ArithmeticOperator>(
    _ a: Tensor, _ b: Tensor, _ out: Tensor, _ op: Op.Type
  ) {
    let shape = out.shape
    let rank = shape.count
    let sa = ShapeMath.broadcastStrides(a.shape, to: shape)
    let sb = ShapeMath.broadcastStrides(b.shape, to: shape)
    let inner = shape[rank - 1]
    let ia = sa[rank - 1]
    let ib = sb[rank - 1]
    let rows = out.scalarCount / inner
    let po = out.denseOperand
    let geometry = (shape, sa, sb, inner, ia, ib, rows)
    switch (a.denseOperand, b.denseOperand) {
    case (.f32(let x), .f32(let y)):
      broadcastRows(geometry, F32Source(p: x), F32Source(p: y), po, op)
    case (.f32(let x), .bf16(let y)):
      broadcastRows(geometry, F32Source(p: x), BF16Source(p: y), po, op)
    case (.bf16(let x), .f32(let y)):
      broadcastRows(geometry, BF16Source(p: x), F32Source(p: y), po, op)
    case (.bf16(let x), .bf16(let y)):
      broadcastRows(geometry, BF16Source(p: x), BF16Source(p: y), po, op)
    }
  }

  /// `broadcastGeneral`'s loop, specialised per pair of operand dtypes.
  private static func broadcastRows<A: VectorSource, B: VectorSource, Op: ArithmeticOperator>(
    _ geometry: ([Int], [Int], [Int], Int, Int, Int, Int), _ pa: A, _ pb: B,
    _ po: DenseOperand, _ op: Op.Type
  ) {
    let (shape, sa, sb, inner, ia, ib, rows) = geometry
    let rank = shape.count
    let rowsPerChunk = max(1, (1 << 14) / max(inner, 1))
    Parallel.forChunks(rows, chunk: rowsPerChunk) { _, r in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: po.isBF16 ? inner : 0) { scratch in
        for row in r {
          // Offsets of this row in a and b from its multi-index.
          var rem = row
          var oa = 0
          var ob = 0
          for d in stride(from: rank - 2, through: 0, by: -1) {
            let i = rem % shape[d]
            rem /= shape[d]
            oa += i * sa[d]
            ob += i * sb[d]
          }
          let z: UnsafeMutablePointer<Float>
          switch po {
          case .f32(let p): z = p + row * inner
          case .bf16: z = scratch.baseAddress!
          }
          var j = 0
          if ia == 1 && ib == 1 {
            while j + 8 <= inner {
              let v = Op.apply(pa.load8(oa + j), pb.load8(ob + j))
              UnsafeMutableRawPointer(z + j).storeBytes(of: v, as: Vec8.self)
              j += 8
            }
          } else if ia == 1 && ib == 0 {
            let vb = Vec8(repeating: pb[ob])
            while j + 8 <= inner {
              let v = Op.apply(pa.load8(oa + j), vb)
              UnsafeMutableRawPointer(z + j).storeBytes(of: v, as: Vec8.self)
              j += 8
            }
          } else if ia == 0 && ib == 1 {
            let va = Vec8(repeating: pa[oa])
            while j + 8 <= inner {
              let v = Op.apply(va, pb.load8(ob + j))
              UnsafeMutableRawPointer(z + j).storeBytes(of: v, as: Vec8.self)
              j += 8
            }
          }
          while j < inner {
            z[j] = Op.apply(Vec8(repeating: pa[oa + j * ia]), Vec8(repeating: pb[ob + j * ib]))[0]
            j += 1
          }
          if case .bf16(let p) = po {
            BF16Kernels.roundSerial(z, into: p + row * inner, count: inner)
          }
        }
      }
    }
  }

  /// Sums a dense tensor down to `target` (a shape it was broadcast from): the gradient of a
  /// broadcast. Serial over rows in a fixed order, so deterministic. A bf16 g is read as it is
  /// (the time-embedding add's gradient); the sums are fp32.
  static func sumToShape(_ g: Tensor, _ target: [Int]) -> Tensor {
    if g.shape == target { return g }
    let g = g.contiguous(dtype: g.dtype)
    let out = Tensor.zeros(target)
    if g.scalarCount == 0 { return out }
    if ShapeMath.count(target) == 1, case .f32(let p) = g.denseOperand {
      out.floatPointer[0] = ElementwiseKernels.sum(g.scalarCount, p)
      return out
    }
    switch g.denseOperand {
    case .f32(let p): sumRows(F32Source(p: p), g.shape, target, out.floatPointer)
    case .bf16(let p): sumRows(BF16Source(p: p), g.shape, target, out.floatPointer)
    }
    return out
  }

  private static func sumRows<S: VectorSource>(
    _ src: S, _ shape: [Int], _ target: [Int], _ dst: UnsafeMutablePointer<Float>
  ) {
    let rank = shape.count
    let count = ShapeMath.count(shape)
    let st = ShapeMath.broadcastStrides(target, to: shape)
    let inner = shape[rank - 1]
    let it = st[rank - 1]
    let rows = count / inner
    var index = [Int](repeating: 0, count: max(rank - 1, 0))
    var ot = 0
    for row in 0..<rows {
      let x = src.advanced(by: row * inner)
      let z = dst + ot
      if it == 1 {
        ElementwiseKernels.accumulate(x, into: z, count: inner)
      } else {
        var acc = Vec8(repeating: 0)
        var j = 0
        while j + 8 <= inner {
          acc += x.load8(j)
          j += 8
        }
        var s = acc.sum()
        while j < inner {
          s += x[j]
          j += 1
        }
        z[0] += s
      }
      var d = rank - 2
      while d >= 0 {
        index[d] += 1
        ot += st[d]
        if index[d] < shape[d] { break }
        ot -= st[d] * shape[d]
        index[d] = 0
        d -= 1
      }
    }
  }

  /// a + b for two dense tensors of one shape (gradient accumulation).
  static func addDense(_ a: Tensor, _ b: Tensor) -> Tensor {
    broadcastBinary(a, b, .add)
  }
}
