import CDNNL

/// The cache key of one matrix product (`bBatchStride` normalised: `k·n` when packed).
struct OneDNNMatmulShape: Hashable, Sendable {
  var batch, m, n, k: Int
  var transposeA, transposeB: Bool
  var bBatchStride: Int
  var withBias, accumulate: Bool
  /// The operands arrive as bf16 (already rounded) instead of fp32.
  var aBF16 = false, bBF16 = false
  /// C leaves as bf16 (rounded once from the fp32 accumulator), not fp32.
  var cBF16 = false
}

/// One operand of a product: fp32, or bf16 bits (the bf16 training path rounds activations
/// once and passes them to several products).
public struct OneDNNOperand {
  let pointer: UnsafeRawPointer
  let isBF16: Bool
  public init(_ p: UnsafePointer<Float>) { (pointer, isBF16) = (UnsafeRawPointer(p), false) }
  public init(bf16 p: UnsafePointer<UInt16>) { (pointer, isBF16) = (UnsafeRawPointer(p), true) }
  /// The operand `elements` further on.
  func advanced(by elements: Int) -> OneDNNOperand {
    OneDNNOperand(pointer: pointer + elements * (isBF16 ? 2 : 4), isBF16: isBF16)
  }
  private init(pointer: UnsafeRawPointer, isBF16: Bool) {
    (self.pointer, self.isBF16) = (pointer, isBF16)
  }
}

extension OneDNN {
  /// C[b] = op(A[b]) · op(B[b]) (+ bias[n]) (+ C[b] if accumulate). Row-major; op = transpose
  /// when flagged. A is [batch, M, K] (or [batch, K, M] if transposeA); B is [batch, K, N]
  /// (or [batch, N, K]); C is [batch, M, N]. `bBatchStride`: elements between consecutive
  /// B matrices; nil = packed (`k·n`); 0 = B is shared across the batch (weights).
  ///
  /// Sums over K are deterministic: oneDNN 2.6's fp32 gemm splits K across threads when the
  /// output is small, so its last bits would depend on the thread count. Weight gradients
  /// (Aᵀ·B, K = rows) are summed here in fixed chunks of `kChunk` rows, in order, with beta = 1,
  /// and any product with a small output and a long K runs on one thread (they are cheap).
  /// Chunks of 128 rows cost 0.7 s per tiny-preset training step in call overhead; 1024 do not.
  public static func matmul(
    batch: Int, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transposeA: Bool,
    b: UnsafePointer<Float>, transposeB: Bool, bBatchStride: Int?,
    c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, accumulate: Bool,
    precision: Precision
  ) {
    matmul(
      batch: batch, m: m, n: n, k: k, a: OneDNNOperand(a), transposeA: transposeA,
      b: OneDNNOperand(b), transposeB: transposeB, bBatchStride: bBatchStride, c: c, bias: bias,
      accumulate: accumulate, precision: precision)
  }

  /// ``matmul(batch:m:n:k:a:transposeA:b:transposeB:bBatchStride:c:bias:accumulate:precision:)``
  /// with operands that may be bf16 (then `precision` must be `.bf16`).
  public static func matmul(
    batch: Int, m: Int, n: Int, k: Int, a: OneDNNOperand, transposeA: Bool,
    b: OneDNNOperand, transposeB: Bool, bBatchStride: Int?,
    c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, accumulate: Bool,
    precision: Precision
  ) {
    precondition(
      precision == .bf16 || !(a.isBF16 || b.isBF16), "OneDNN.matmul: bf16 operands need .bf16")
    let direct = {
      (
        k: Int, a: OneDNNOperand, b: OneDNNOperand, bias: UnsafePointer<Float>?,
        accumulate: Bool
      ) in
      let run = {
        matmulDirect(
          batch: batch, m: m, n: n, k: k, a: a, transposeA: transposeA, b: b,
          transposeB: transposeB, bBatchStride: bBatchStride, c: UnsafeMutableRawPointer(c),
          cBF16: false, bias: bias, accumulate: accumulate, precision: precision)
      }
      // Small outputs are where gemm splits K across threads: run those on one thread.
      if k > smallK && m * n < 1 << 16, let omp = OpenMP.shared {
        omp.withSingleThread(run)
      } else {
        run()
      }
    }
    if batch == 1 && k > kChunk && transposeA && !transposeB {
      var k0 = 0
      while k0 < k {
        let kc = min(kChunk, k - k0)
        direct(
          kc, a.advanced(by: k0 * m), b.advanced(by: k0 * n), k0 == 0 ? bias : nil,
          accumulate || k0 > 0)
        k0 += kc
      }
    } else {
      direct(k, a, b, bias, accumulate)
    }
  }

  /// C = A · op(B) (+ bias) for a linear layer at bf16: A and B as given, C written as bf16
  /// (`[m, n]`, rounded once from the fp32 accumulator, as PyTorch's autocast writes it). One
  /// batch; K is the layer's input width, never split.
  public static func matmul(
    m: Int, n: Int, k: Int, a: OneDNNOperand, b: OneDNNOperand, transposeB: Bool,
    bias: UnsafePointer<Float>?, cBF16 c: UnsafeMutablePointer<UInt16>
  ) {
    matmulDirect(
      batch: 1, m: m, n: n, k: k, a: a, transposeA: false, b: b, transposeB: transposeB,
      bBatchStride: nil, c: UnsafeMutableRawPointer(c), cBF16: true, bias: bias,
      accumulate: false, precision: .bf16)
  }

  /// K per chunk of a deterministic weight-gradient product (rows of the batch).
  static let kChunk = 1024
  /// Longer sums than this over a small output run on one thread.
  static let smallK = 128

  /// C[b] = op(A[b]) · op(B[b]) (+ bias[n]) (+ C[b] if accumulate). Row-major; op = transpose
  /// when flagged. A is [batch, M, K] (or [batch, K, M] if transposeA); B is [batch, K, N]
  /// (or [batch, N, K]); C is [batch, M, N], fp32 or (`cBF16`) bf16. `bBatchStride`: elements
  /// between consecutive B matrices; nil = packed (`k·n`); 0 = B is shared across the batch.
  static func matmulDirect(
    batch: Int, m: Int, n: Int, k: Int, a: OneDNNOperand, transposeA: Bool,
    b: OneDNNOperand, transposeB: Bool, bBatchStride: Int?,
    c: UnsafeMutableRawPointer, cBF16: Bool, bias: UnsafePointer<Float>?, accumulate: Bool,
    precision: Precision
  ) {
    precondition(!cBF16 || (precision == .bf16 && !accumulate), "OneDNN.matmul: bf16 C")
    precondition(
      batch > 0 && m > 0 && n > 0 && k > 0,
      "OneDNN.matmul: sizes must be positive (batch \(batch) m \(m) n \(n) k \(k))")
    let stride = batch == 1 ? k * n : (bBatchStride ?? k * n)
    precondition(stride >= 0, "OneDNN.matmul: negative bBatchStride \(stride)")
    let shape = OneDNNMatmulShape(
      batch: batch, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
      bBatchStride: stride, withBias: bias != nil, accumulate: accumulate, aBF16: a.isBF16,
      bBF16: b.isBF16, cBF16: cBF16)
    let key = OneDNNPlanKey.matmul(shape, precision)
    let pointers =
      [UnsafeMutableRawPointer(mutating: a.pointer), UnsafeMutableRawPointer(mutating: b.pointer)]
      + (bias.map { [oneDNNRaw($0)] } ?? []) + [c]
    if OneDNNRuntime.shared.run(key, pointers, build: { buildMatmul($0, key) }) {
      return
    }
    // bf16 without a usable oneDNN kernel: round the operands, run fp32 (then round C).
    let ra = OneDNNBF16Copy(a, count: batch * m * k)
    let rb = OneDNNBF16Copy(b, count: (batch - 1) * stride + k * n)
    let count = batch * m * n
    let c32 = cBF16 ? .allocate(capacity: count) : c.assumingMemoryBound(to: Float.self)
    defer { if cBF16 { c32.deallocate() } }
    withExtendedLifetime((ra, rb)) {
      matmul(
        batch: batch, m: m, n: n, k: k, a: ra.pointer, transposeA: transposeA, b: rb.pointer,
        transposeB: transposeB, bBatchStride: stride, c: c32, bias: bias, accumulate: accumulate,
        precision: .f32)
    }
    if cBF16 { BF16Kernels.round(c32, into: c.assumingMemoryBound(to: UInt16.self), count: count) }
  }

  /// Implementation names oneDNN runs for a product (reorders included).
  public static func matmulImplementations(
    batch: Int, m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
    bBatchStride: Int? = nil, withBias: Bool = false, accumulate: Bool = false,
    precision: Precision
  ) -> [String] {
    let shape = OneDNNMatmulShape(
      batch: batch, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
      bBatchStride: batch == 1 ? k * n : (bBatchStride ?? k * n), withBias: withBias,
      accumulate: accumulate)
    let key = OneDNNPlanKey.matmul(shape, precision)
    return OneDNNRuntime.shared.implementations(key) { buildMatmul($0, key) }
  }

  /// User pointers, in order: a, b, [bias], c. Transposes are expressed as strides, so no
  /// copy is made in fp32; bf16 copies keep the caller's element order.
  static func buildMatmul(_ engine: OpaquePointer, _ key: OneDNNPlanKey) -> OneDNNPlan? {
    guard case .matmul(let s, let precision) = key else { return nil }
    let type = precision == .bf16 ? dnnl_bf16 : dnnl_f32
    let aDims = [s.batch, s.m, s.k]
    let aStrides = s.transposeA ? [s.m * s.k, 1, s.m] : [s.m * s.k, s.k, 1]
    let bBatch = s.bBatchStride == 0 ? 1 : s.batch
    let bDims = [bBatch, s.k, s.n]
    func bStrides(_ batchStride: Int) -> [Int] {
      s.transposeB ? [batchStride, 1, s.k] : [batchStride, s.n, 1]
    }
    let aUser = oneDNNDesc(aDims, s.aBF16 ? dnnl_bf16 : dnnl_f32, strides: aStrides)
    let bUser = oneDNNDesc(
      bDims, s.bBF16 ? dnnl_bf16 : dnnl_f32,
      strides: bStrides(bBatch == 1 ? s.k * s.n : s.bBatchStride))
    var aCompute = oneDNNDesc(aDims, type, strides: aStrides)
    var bCompute = oneDNNDesc(bDims, type, strides: bStrides(s.k * s.n))
    if precision == .f32 || s.bBF16 { bCompute = bUser }
    let biasDesc = oneDNNDesc([1, 1, s.n], dnnl_f32, dnnl_abc)
    var biasOrNone = s.withBias ? biasDesc : dnnl_memory_desc_t()
    var cDesc = oneDNNDesc([s.batch, s.m, s.n], s.cBF16 ? dnnl_bf16 : dnnl_f32, dnnl_abc)

    var desc = dnnl_matmul_desc_t()
    oneDNNCheck(
      dnnl_matmul_desc_init(&desc, &aCompute, &bCompute, &biasOrNone, &cDesc),
      "matmul_desc_init \(s)")
    let attr = OneDNNPlan.makeAttributes()
    var postOps: OpaquePointer?
    if s.accumulate {
      oneDNNCheck(dnnl_post_ops_create(&postOps), "post_ops_create")
      oneDNNCheck(dnnl_post_ops_append_sum(postOps, 1.0), "post_ops_append_sum")
      oneDNNCheck(dnnl_primitive_attr_set_post_ops(attr, postOps), "attr_set_post_ops")
    }
    defer {
      if let postOps { dnnl_post_ops_destroy(postOps) }
      dnnl_primitive_attr_destroy(attr)
    }
    guard
      let pd = OneDNNPlan.makeDescriptor(
        &desc, attr: attr, engine: engine, accept: { precision == .f32 || !$0.hasPrefix("ref") })
    else { return nil }
    let plan = OneDNNPlan(engine: engine)
    let a = plan.userMemory(aUser)
    let b = plan.userMemory(bUser)
    let bias = s.withBias ? plan.userMemory(biasDesc) : nil
    let c = plan.userMemory(cDesc)
    let ac = plan.reorder(a, from: aUser, to: aCompute)
    let bc = plan.reorder(b, from: bUser, to: bCompute)
    var args = [(DNNL_ARG_SRC, ac), (DNNL_ARG_WEIGHTS, bc), (DNNL_ARG_DST, c)]
    if let bias { args.append((DNNL_ARG_BIAS, bias)) }
    plan.append(pd, args)
    return plan
  }
}
