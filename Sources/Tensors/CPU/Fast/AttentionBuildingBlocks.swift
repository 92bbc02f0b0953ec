import CDNNL

/// Building blocks of the fused attention kernels: the single-threaded oneDNN product, the key
/// mask as an additive bias, and vectorised exp, max and sum on SIMD8<Float> (one AVX2
/// register).

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

/// One operand of an attention product: fp32, or bf16 bits (the bf16 path).
enum AttnOperand {
  case f32(UnsafePointer<Float>)
  case bf16(UnsafePointer<UInt16>)

  /// The operand `elements` further on.
  func advanced(by elements: Int) -> AttnOperand {
    switch self {
    case .f32(let p): .f32(p + elements)
    case .bf16(let p): .bf16(p + elements)
    }
  }
}

/// C = alpha · op(A) · op(B) + beta · C, row-major (op = transpose for "T"), fp32 sums. fp32
/// operands go to oneDNN's `dnnl_sgemm`; bf16 operands to `dnnl_gemm_bf16bf16f32`. Both
/// operands have the same type. Called inside `attnSingleThreaded`.
@inline(__always)
func attnGemm(
  _ transA: Character, _ transB: Character, m: Int, n: Int, k: Int, alpha: Float,
  a: AttnOperand, lda: Int, b: AttnOperand, ldb: Int, beta: Float,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  let (ta, tb) = (CChar(transA.asciiValue!), CChar(transB.asciiValue!))
  let status: dnnl_status_t
  switch (a, b) {
  case (.f32(let a), .f32(let b)):
    status = dnnl_sgemm(
      ta, tb, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c,
      Int64(ldc))
  case (.bf16(let a), .bf16(let b)):
    status = AttentionKernels.bf16Gemm!(
      ta, tb, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c,
      Int64(ldc))
  default:
    preconditionFailure("attnGemm: operands of different types")
  }
  precondition(status == dnnl_success, "oneDNN gemm failed (\(status)) for m \(m) n \(n) k \(k)")
}

/// Runs one work item with oneDNN limited to this thread, also when the caller runs the items
/// serially (one Swift thread): each product's sums then have one order on any machine setting.
@inline(__always)
func attnSingleThreaded(_ body: () -> Void) {
  if let omp = OpenMP.shared { omp.withSingleThread(body) } else { body() }
}

/// Keys of batch element `b` up to and including the last attended one (0 when all are
/// masked). Keys after it are padding of short captions and are left out of the products.
func attnKeysUsed(_ mask: UnsafePointer<UInt8>?, b: Int, keyLength: Int) -> Int {
  guard let mask else { return keyLength }
  var keys = 0
  for j in 0..<keyLength where mask[b * keyLength + j] != 0 { keys = j + 1 }
  return keys
}

/// bias[j] = 0 for attended keys j < `keys`, −∞ for masked keys and for j ≥ `keys` (padding up
/// to `count`), so that exp(S + bias − m) is exactly 0 there.
func attnFillKeyBias(
  _ mask: UnsafePointer<UInt8>?, b: Int, keyLength: Int, keys: Int,
  into bias: UnsafeMutablePointer<Float>, count: Int
) {
  for j in 0..<count {
    let attended = j < keys && (mask.map { $0[b * keyLength + j] != 0 } ?? true)
    bias[j] = attended ? 0 : -.infinity
  }
}
