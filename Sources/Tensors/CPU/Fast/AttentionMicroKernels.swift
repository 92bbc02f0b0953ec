/// Building blocks of the fused attention kernels: a register-tiled matrix product on
/// SIMD8<Float> (one AVX2 register; `addingProduct` compiles to vfmadd231ps) and a vectorised
/// exp. Private to the attention kernels: the operands are small packed tiles in scratch memory.

@inline(__always)
func attnLoad8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func attnStore8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Rounds `n` up to a multiple of `m`.
@inline(__always)
func attnRoundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

/// Offset of (row, column) in a column-blocked matrix: blocks of `width` columns stored one after
/// the other, each `rows × width` row-major. Transposed operands are packed this way so that a
/// tile's rows are `width` floats apart, not a whole sequence length (a 4 KiB stride would map
/// every row to the same L1 set).
@inline(__always)
func attnBlocked(row: Int, column: Int, rows: Int, width: Int) -> Int {
  (column / width) * rows * width + row * width + column % width
}

/// Writes the transpose of `src` ([count × d], rows `srcStride` apart) into `dst`, column-blocked
/// (`attnBlocked` with `rows` ≥ d rows and blocks of `width` columns). Writes run contiguously
/// and reads stay within a few rows, which is far cheaper than scattering each source row.
func attnPackTransposed(
  _ src: UnsafePointer<Float>, srcStride: Int, count: Int, d: Int,
  into dst: UnsafeMutablePointer<Float>, rows: Int, width: Int
) {
  var t0 = 0
  while t0 < count {
    let n = min(width, count - t0)
    let block = dst + t0 * rows
    for c in 0..<d {
      let out = block + c * width
      var s = src + t0 * srcStride + c
      for t in 0..<n {
        out[t] = s.pointee
        s += srcStride
      }
    }
    t0 += width
  }
}

/// Rows of the register tile.
let attnTileRows = 4
/// Columns of the register tile (two SIMD8 vectors).
let attnTileColumns = 16

/// C[m×n] = A[m×k]·B[k×n] (or C += A·B when `accumulate`), all row-major with leading
/// dimensions lda, ldb, ldc. Requires m % 4 == 0 and n % 16 == 0 (callers zero-pad).
///
/// 4×16 register tile (8 accumulators, enough to hide the FMA latency on two pipes); each
/// element is accumulated over p = 0..<k in order with one FMA per step, so a result does not
/// depend on where it sits in the tile.
@inline(__always)
func attnGemm(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  c: UnsafeMutablePointer<Float>, ldc: Int,
  accumulate: Bool
) {
  var i = 0
  while i < m {
    let a0 = a + i * lda
    let a1 = a0 + lda
    let a2 = a1 + lda
    let a3 = a2 + lda
    let c0 = c + i * ldc
    let c1 = c0 + ldc
    let c2 = c1 + ldc
    let c3 = c2 + ldc
    var j = 0
    while j < n {
      var r00 = SIMD8<Float>()
      var r01 = SIMD8<Float>()
      var r10 = SIMD8<Float>()
      var r11 = SIMD8<Float>()
      var r20 = SIMD8<Float>()
      var r21 = SIMD8<Float>()
      var r30 = SIMD8<Float>()
      var r31 = SIMD8<Float>()
      if accumulate {
        r00 = attnLoad8(c0 + j)
        r01 = attnLoad8(c0 + j + 8)
        r10 = attnLoad8(c1 + j)
        r11 = attnLoad8(c1 + j + 8)
        r20 = attnLoad8(c2 + j)
        r21 = attnLoad8(c2 + j + 8)
        r30 = attnLoad8(c3 + j)
        r31 = attnLoad8(c3 + j + 8)
      }
      var bp = UnsafePointer(b + j)
      for p in 0..<k {
        let b0 = attnLoad8(bp)
        let b1 = attnLoad8(bp + 8)
        let x0 = SIMD8<Float>(repeating: a0[p])
        r00 = r00.addingProduct(x0, b0)
        r01 = r01.addingProduct(x0, b1)
        let x1 = SIMD8<Float>(repeating: a1[p])
        r10 = r10.addingProduct(x1, b0)
        r11 = r11.addingProduct(x1, b1)
        let x2 = SIMD8<Float>(repeating: a2[p])
        r20 = r20.addingProduct(x2, b0)
        r21 = r21.addingProduct(x2, b1)
        let x3 = SIMD8<Float>(repeating: a3[p])
        r30 = r30.addingProduct(x3, b0)
        r31 = r31.addingProduct(x3, b1)
        bp += ldb
      }
      attnStore8(r00, c0 + j)
      attnStore8(r01, c0 + j + 8)
      attnStore8(r10, c1 + j)
      attnStore8(r11, c1 + j + 8)
      attnStore8(r20, c2 + j)
      attnStore8(r21, c2 + j + 8)
      attnStore8(r30, c3 + j)
      attnStore8(r31, c3 + j + 8)
      j += 16
    }
    i += 4
  }
}

/// eˣ on eight lanes (Cephes `expf`: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial for eʳ,
/// 2ⁿ built in the exponent bits; relative error ≈ 2 ulp). Lanes with x < −87 (including −∞)
/// give exactly 0; x is clamped at 88 above.
// `@_transparent` (mandatory inlining): with `@inline(__always)` the optimiser still emitted calls,
// and a SIMD8 argument then travels as two xmm halves.
@_transparent
func attnExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
  // `replacing(with:where:)` compiles to vmaxps/vminps/vblendvps; the generic `clamped` and
  // `pointwiseMax` do not (they run lane by lane).
  let lower = SIMD8<Float>(repeating: -87)
  let upper = SIMD8<Float>(repeating: 88)
  let underflow = x .< lower
  var v = x.replacing(with: lower, where: underflow)
  v = v.replacing(with: upper, where: v .> upper)
  // Round-to-nearest through the 1.5·2²³ trick: t's low mantissa bits hold n.
  let magic = SIMD8<Float>(repeating: 12_582_912)
  let t = magic.addingProduct(v, SIMD8(repeating: 1.442_695_04))
  let n = t - magic
  v = v.addingProduct(n, SIMD8(repeating: -0.693_359_375))
  v = v.addingProduct(n, SIMD8(repeating: 2.121_944_4e-4))
  var y = SIMD8<Float>(repeating: 1.987_569_15e-4)
  y = SIMD8(repeating: 1.398_199_95e-3).addingProduct(y, v)
  y = SIMD8(repeating: 8.333_451_9e-3).addingProduct(y, v)
  y = SIMD8(repeating: 4.166_579_59e-2).addingProduct(y, v)
  y = SIMD8(repeating: 1.666_666_55e-1).addingProduct(y, v)
  y = SIMD8(repeating: 5.000_000_12e-1).addingProduct(y, v)
  y = (v + 1).addingProduct(y, v * v)
  let bits = unsafeBitCast(t, to: SIMD8<UInt32>.self)
  let pow2n = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
  return (y * pow2n).replacing(with: 0, where: underflow)
}

/// Lane-wise maximum (vmaxps; see `attnExp` on why not `pointwiseMax`).
@inline(__always)
func attnMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
  a.replacing(with: b, where: b .> a)
}

/// Largest lane (branch-free: vmaxps then vmaxss).
@inline(__always)
func attnHorizontalMax(_ a: SIMD8<Float>) -> Float {
  let m = attnMax(SIMD8(lowHalf: a.highHalf, highHalf: a.lowHalf), a)
  let x = m[0] > m[1] ? m[0] : m[1]
  let y = m[2] > m[3] ? m[2] : m[3]
  return x > y ? x : y
}

/// Sum of the lanes in a fixed order.
@inline(__always)
func attnHorizontalSum(_ a: SIMD8<Float>) -> Float {
  let h = a.lowHalf + a.highHalf
  return (h[0] + h[2]) + (h[1] + h[3])
}
