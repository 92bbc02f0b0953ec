/// Normalisation kernels over dense fp32 NHWC / row-major data.
///
/// GroupNorm (Wu & He 2018) on x[B, P, C] (P = H·W pixels) with G groups of C/G channels:
///   μ, σ² per (b, g) over P·C/G values; x̂ = (x − μ)/√(σ² + ε); z = γ_c·x̂ + β_c; y = z or silu(z).
/// VJP, with N = P·C/G and dx̂ = dz·γ:  dx = (1/σ)(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) per group;
///   dγ_c = Σ dz·x̂, dβ_c = Σ dz; with fused SiLU, dz = dy·σ(z)(1 + z(1 − σ(z))).
/// Statistics take one pass over shifted data (see the forward kernel). Work is parallel over
/// the batch; per-sample partial sums of dγ/dβ are combined in batch order, so results never
/// depend on the thread count. Loops run over pixels outside and 16 or 8 channels at a time
/// inside (`channelBlocks`), with per-channel arrays padded by 8 so a partial 8-lane block never
/// reads past the end (16-lane blocks only run when C is a multiple of 16).
public enum NormKernels {
  /// Per-channel vectors of length C, padded to C + 8.
  @inline(__always)
  static func padded(_ c: Int, _ f: (Int) -> Float) -> [Float] {
    (0..<c).map(f) + [Float](repeating: 0, count: 8)
  }

  // Each helper comes generic over the vector width and as a Vec8 overload, which callers
  // whose context does not fix the width get (overload resolution prefers the non-generic).
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vec8 {
    UnsafeRawPointer(p + i).loadUnaligned(as: Vec8.self)
  }

  @inline(__always)
  static func store(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vec8.self)
  }

  @inline(__always)
  static func load<V: FloatVector>(_ p: UnsafePointer<Float>, _ i: Int) -> V {
    UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
  }

  @inline(__always)
  static func store<V: FloatVector>(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
  }

  /// Runs the kernel over channel blocks: `wide(c)` on 16 channels from c when C is a multiple
  /// of 16 (every U-Net width but the 8-channel toy ones), else `narrow(c, n)` on n = 8 lanes,
  /// or fewer at the tail. When C is a multiple of 8, n is the constant 8, so once this is
  /// inlined the partial loads and stores fold to whole-vector ones with no tail test per block.
  /// GroupNorm+SiLU on one core, B32 C256 16x16, three runs each: forward 1.65–1.83 → 1.55 ms,
  /// backward 2.65–2.75 → 2.44–2.51 ms. Two 8-lane blocks per step when C%16 == 0 measured
  /// 0.77–1.01× the GroupNorm backward time of one; one 16-lane block issues half the
  /// instructions for the same work (see `Vec16`). Each channel's lane computes the same as in
  /// any other blocking, so results do not depend on it.
  @inline(__always)
  static func channelBlocks(_ C: Int, wide: (Int) -> Void, narrow: (Int, Int) -> Void) {
    if C % 16 == 0 {
      for c in stride(from: 0, to: C, by: 16) { wide(c) }
      return
    }
    if C % 8 == 0 {
      for c in stride(from: 0, to: C, by: 8) { narrow(c, 8) }
      return
    }
    var c = 0
    while c < C {
      narrow(c, min(8, C - c))
      c += 8
    }
  }

  /// Loads n ≤ 8 floats (zeros beyond).
  @inline(__always)
  static func loadPartial(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> Vec8 {
    if n == 8 { return load(p, i) }
    var v = Vec8(repeating: 0)
    for j in 0..<n { v[j] = p[i + j] }
    return v
  }

  @inline(__always)
  static func storePartial(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
    if n == 8 { return store(v, p, i) }
    for j in 0..<n { p[i + j] = v[j] }
  }

  /// Loads n ≤ V.scalarCount floats (zeros beyond).
  @inline(__always)
  static func loadPartial<V: FloatVector>(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> V {
    if n == V.scalarCount { return load(p, i) }
    var v = V()
    for j in 0..<n { v[j] = p[i + j] }
    return v
  }

  @inline(__always)
  static func storePartial<V: FloatVector>(
    _ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int
  ) {
    if n == V.scalarCount { return store(v, p, i) }
    for j in 0..<n { p[i + j] = v[j] }
  }

  public static func groupNormForward(
    batch: Int, pixels: Int, channels C: Int, groups: Int, eps: Float,
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    silu: Bool, y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>
  ) {
    groupNormForward(
      batch: batch, pixels: pixels, channels: C, groups: groups, eps: eps, x: F32Source(p: x),
      gamma: gamma, beta: beta, silu: silu, y: y, yBF16: nil, mean: mean, rstd: rstd)
  }

  /// As above, writing y either as fp32 (`y`) or rounded to bf16 (`yBF16`, one of the two
  /// non-nil). The bf16 form rounds each pixel's channels while they are in L1, so the fp32
  /// result never goes to memory: the bf16 U-Net's convolutions read it as it is. x may be
  /// stored as bf16 (the bf16 U-Net's convolution outputs), read as it is.
  static func groupNormForward(
    batch: Int, pixels: Int, channels C: Int, groups: Int, eps: Float, x: DenseOperand,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, silu: Bool,
    y: UnsafeMutablePointer<Float>?, yBF16: UnsafeMutablePointer<UInt16>?,
    mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
  ) {
    // The generic kernel is inlined once per concrete source (see below).
    switch x {
    case .f32(let p):
      groupNormForward(
        batch: batch, pixels: pixels, channels: C, groups: groups, eps: eps, x: F32Source(p: p),
        gamma: gamma, beta: beta, silu: silu, y: y, yBF16: yBF16, mean: mean, rstd: rstd)
    case .bf16(let p):
      groupNormForward(
        batch: batch, pixels: pixels, channels: C, groups: groups, eps: eps, x: BF16Source(p: p),
        gamma: gamma, beta: beta, silu: silu, y: y, yBF16: yBF16, mean: mean, rstd: rstd)
    }
  }

  /// Inlined into each caller, which passes a concrete source: in a specialised generic body
  /// the per-block closures stayed calls (measured: bf16 input 4.9 ms against 3.3 ms fp32 for
  /// B32 C64 64x64).
  @inline(__always)
  static func groupNormForward<X: VectorSource>(
    batch: Int, pixels: Int, channels C: Int, groups: Int, eps: Float,
    x: X, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    silu: Bool, y: UnsafeMutablePointer<Float>?, yBF16: UnsafeMutablePointer<UInt16>?,
    mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
  ) {
    precondition((y == nil) != (yBF16 == nil), "groupNormForward: exactly one output")
    let cg = C / groups
    let (pm, pr) = (SendablePointer(mean), SendablePointer(rstd))
    let py = y.map(SendablePointer.init)
    let py16 = yBF16.map(SendablePointer.init)
    let (pg, pb) = (SendablePointer(gamma), SendablePointer(beta))
    Parallel.forChunks(batch, chunk: 1) { _, r in
      let b = r.lowerBound
      let xb = x.advanced(by: b * pixels * C)
      // Pass 1: per-channel sums of d = x − k_c and of d², shifted by k_c = x at pixel 0
      // (shifted data, Chan, Golub & LeVeque 1983: no cancellation when the mean is far from 0,
      // and one pass over x instead of a mean pass and a deviation pass).
      let k = padded(C) { xb[$0] }
      var s1 = [Float](repeating: 0, count: C + 8)
      var s2 = [Float](repeating: 0, count: C + 8)
      k.withUnsafeBufferPointer { kb in
        s1.withUnsafeMutableBufferPointer { a1 in
          s2.withUnsafeMutableBufferPointer { a2 in
            let (kp, a1, a2) = (kb.baseAddress!, a1.baseAddress!, a2.baseAddress!)
            @inline(__always) func block<V: KernelVector>(_ p: Int, _ c: Int, _ n: Int, _: V.Type) {
              // Lanes past C: the partial load gives 0 and k is 0-padded, so d = 0 there.
              let d: V = xb.load(p * C + c, n) - load(kp, c)
              store(load(a1, c) + d, a1, c)
              store((load(a2, c) as V).addingProduct(d, d), a2, c)
            }
            for p in 0..<pixels {
              channelBlocks(
                C, wide: { block(p, $0, 16, Vec16.self) }, narrow: { block(p, $0, $1, Vec8.self) })
            }
          }
        }
      }
      // Group statistics: Σ(x − μ)² = Σ_c [S2_c + 2(k_c − μ)·S1_c + P·(k_c − μ)²], in Double.
      var gMean = [Float](repeating: 0, count: groups)
      var rs = [Float](repeating: 0, count: groups)
      let P = Double(pixels)
      let count = Double(pixels * cg)
      for g in 0..<groups {
        var sum = 0.0
        for c in (g * cg)..<((g + 1) * cg) { sum += Double(k[c]) * P + Double(s1[c]) }
        let mu = sum / count
        var ss = 0.0
        for c in (g * cg)..<((g + 1) * cg) {
          let dk = Double(k[c]) - mu
          ss += Double(s2[c]) + 2 * dk * Double(s1[c]) + P * dk * dk
        }
        gMean[g] = Float(mu)
        rs[g] = Float(1 / (max(ss / count, 0) + Double(eps)).squareRoot())
        pm.pointer[b * groups + g] = gMean[g]
        pr.pointer[b * groups + g] = rs[g]
      }
      // Pass 3: y = x·scale + shift (then SiLU), scale = γ/σ, shift = β − μγ/σ.
      let scale = padded(C) { pg.pointer[$0] * rs[$0 / cg] }
      let shift = padded(C) { pb.pointer[$0] - gMean[$0 / cg] * rs[$0 / cg] * pg.pointer[$0] }
      var row = [Float](repeating: 0, count: py16 == nil ? 0 : C + 8)
      scale.withUnsafeBufferPointer { sc in
        shift.withUnsafeBufferPointer { sh in
          row.withUnsafeMutableBufferPointer { rowBuffer in
            let (sc, sh) = (sc.baseAddress!, sh.baseAddress!)
            @inline(__always) func block<V: KernelVector>(
              _ p: Int, _ out: UnsafeMutablePointer<Float>, _ c: Int, _ n: Int, _: V.Type
            ) {
              var z = (load(sh, c) as V).addingProduct(xb.load(p * C + c, n), load(sc, c))
              if silu { z = vsilu(z) }
              storePartial(z, out, c, n)
            }
            for p in 0..<pixels {
              // fp32: straight into y; bf16: into a one-pixel row, rounded below.
              let out = py.map { $0.pointer + (b * pixels + p) * C } ?? rowBuffer.baseAddress!
              channelBlocks(
                C, wide: { block(p, out, $0, 16, Vec16.self) },
                narrow: { block(p, out, $0, $1, Vec8.self) })
              if let py16 {
                BF16Kernels.roundSerial(out, into: py16.pointer + (b * pixels + p) * C, count: C)
              }
            }
          }
        }
      }
    }
  }

  @inline(__always)
  static func lanes(_ n: Int) -> SIMDMask<SIMD8<Int32>> {
    SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(n))
  }

  public static func groupNormBackward(
    batch: Int, pixels: Int, channels C: Int, groups: Int,
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    silu: Bool, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>
  ) {
    groupNormBackward(
      batch: batch, pixels: pixels, channels: C, groups: groups, x: F32Source(p: x),
      gamma: gamma, beta: beta, silu: silu, mean: mean, rstd: rstd, dy: F32Source(p: dy),
      dx: .f32(dx), dgamma: dgamma, dbeta: dbeta)
  }

  /// As above with x, dy and dx each stored as fp32 or bf16: x and dy read as they are, a
  /// bf16 dx rounded per pixel from L1. In the bf16 U-Net all three are bf16: a bf16
  /// activation's gradient is bf16.
  static func groupNormBackward(
    batch: Int, pixels: Int, channels C: Int, groups: Int, x: DenseOperand,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, silu: Bool,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dy: DenseOperand,
    dx: DenseOperand, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>
  ) {
    @inline(__always) func run<X: VectorSource, D: VectorSource>(_ x: X, _ dy: D) {
      groupNormBackward(
        batch: batch, pixels: pixels, channels: C, groups: groups, x: x, gamma: gamma,
        beta: beta, silu: silu, mean: mean, rstd: rstd, dy: dy, dx: dx, dgamma: dgamma,
        dbeta: dbeta)
    }
    switch (x, dy) {
    case (.f32(let px), .f32(let pd)): run(F32Source(p: px), F32Source(p: pd))
    case (.f32(let px), .bf16(let pd)): run(F32Source(p: px), BF16Source(p: pd))
    case (.bf16(let px), .f32(let pd)): run(BF16Source(p: px), F32Source(p: pd))
    case (.bf16(let px), .bf16(let pd)): run(BF16Source(p: px), BF16Source(p: pd))
    }
  }

  /// The generic backward, inlined per pair of sources as the forward.
  @inline(__always)
  static func groupNormBackward<X: VectorSource, D: VectorSource>(
    batch: Int, pixels: Int, channels C: Int, groups: Int,
    x: X, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    silu: Bool, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
    dy: D, dx: DenseOperand, dgamma: UnsafeMutablePointer<Float>,
    dbeta: UnsafeMutablePointer<Float>
  ) {
    let cg = C / groups
    let stride = C + 8
    var partG = [Float](repeating: 0, count: batch * stride)
    var partB = [Float](repeating: 0, count: batch * stride)
    let dxF32: SendablePointer<Float>? =
      switch dx {
      case .f32(let p): SendablePointer(p)
      case .bf16: nil
      }
    let (pg, pbeta, pm, pr) = (
      SendablePointer(gamma), SendablePointer(beta), SendablePointer(mean), SendablePointer(rstd)
    )
    partG.withUnsafeMutableBufferPointer { pgb in
      partB.withUnsafeMutableBufferPointer { pbb in
        let (ppg, ppb) = (SendablePointer(pgb.baseAddress!), SendablePointer(pbb.baseAddress!))
        Parallel.forChunks(batch, chunk: 1) { _, r in
          let b = r.lowerBound
          let base = b * pixels * C
          let xb = x.advanced(by: base)
          let dyb = dy.advanced(by: base)
          // dz is kept between the two passes in fp32: in dx itself when dx is fp32, else in
          // a one-sample pooled buffer, which the next sample reuses while it is still cached.
          let scratch = dxF32 == nil ? TensorStorage(byteCount: pixels * C * 4) : nil
          defer { withExtendedLifetime(scratch) {} }
          let dzb = dxF32.map { $0.pointer + base } ?? scratch!.floats(count: pixels * C)
          let sumDzXhat = ppg.pointer + b * stride
          let sumDz = ppb.pointer + b * stride
          // Per channel: the group's μ and 1/σ, and z's slope γ/σ (z = (x − μ)·γ/σ + β).
          let meanC = padded(C) { pm.pointer[b * groups + $0 / cg] }
          let rstdC = padded(C) { pr.pointer[b * groups + $0 / cg] }
          let slopeC = padded(C) { pr.pointer[b * groups + $0 / cg] * pg.pointer[$0] }
          let betaC = padded(C) { pbeta.pointer[$0] }
          meanC.withUnsafeBufferPointer { m in
            slopeC.withUnsafeBufferPointer { k in
              betaC.withUnsafeBufferPointer { bt in
                let (m, k, bt) = (m.baseAddress!, k.baseAddress!, bt.baseAddress!)
                // Pass 1: dz (kept for pass 2 instead of recomputing the SiLU derivative) and
                // per channel Σ dz and Σ dz·(x − μ), which is σ·Σ dz·x̂: x̂ itself is not formed.
                let sumDzD = sumDzXhat
                @inline(__always) func block1<V: KernelVector>(
                  _ p: Int, _ c: Int, _ n: Int, _: V.Type
                ) {
                  let d: V = xb.load(p * C + c, n) - load(m, c)
                  var dz: V = dyb.load(p * C + c, n)
                  if silu {
                    let z = (load(bt, c) as V).addingProduct(d, load(k, c))
                    let sg = vsigmoid(z)
                    dz = dz * sg * (1 + z * (1 - sg))
                  }
                  store((load(sumDzD, c) as V).addingProduct(dz, d), sumDzD, c)
                  store(load(sumDz, c) + dz, sumDz, c)
                  storePartial(dz, dzb, p * C + c, n)
                }
                for p in 0..<pixels {
                  channelBlocks(
                    C, wide: { block1(p, $0, 16, Vec16.self) },
                    narrow: { block1(p, $0, $1, Vec8.self) })
                }
                // Σ dz·x̂ = Σ dz·(x − μ)/σ (dγ's partial sum); group means of dx̂ = dz·γ and of
                // dx̂·x̂.
                var mA = [Float](repeating: 0, count: groups)
                var mB = [Float](repeating: 0, count: groups)
                for c in 0..<C {
                  sumDzXhat[c] = sumDzD[c] * rstdC[c]
                  mA[c / cg] += sumDz[c] * pg.pointer[c]
                  mB[c / cg] += sumDzXhat[c] * pg.pointer[c]
                }
                // Pass 2: dx = (1/σ)(dz·γ − mean(dx̂) − x̂·mean(dx̂·x̂)), expanded per channel
                // into two fused multiply-adds on dz and d = x − μ:
                //   dx = (γ/σ)·dz + [−mean(dx̂·x̂)/σ²]·d − mean(dx̂)/σ.
                let n = Float(pixels * cg)
                let slopeD = padded(C) { -mB[$0 / cg] / n * rstdC[$0] * rstdC[$0] }
                let offset = padded(C) { -mA[$0 / cg] / n * rstdC[$0] }
                slopeD.withUnsafeBufferPointer { kd in
                  offset.withUnsafeBufferPointer { o in
                    let (kd, o) = (kd.baseAddress!, o.baseAddress!)
                    @inline(__always) func block2<V: KernelVector>(
                      _ p: Int, _ c: Int, _ n: Int, _: V.Type
                    ) {
                      let dz: V = loadPartial(dzb, p * C + c, n)
                      let d: V = xb.load(p * C + c, n) - load(m, c)
                      let v = (load(o, c) as V).addingProduct(d, load(kd, c)).addingProduct(
                        dz, load(k, c))
                      storePartial(v, dzb, p * C + c, n)
                    }
                    for p in 0..<pixels {
                      channelBlocks(
                        C, wide: { block2(p, $0, 16, Vec16.self) },
                        narrow: { block2(p, $0, $1, Vec8.self) })
                      // A bf16 dx: the pixel's channels, still in L1, rounded (as the
                      // forward rounds y); an fp32 dx was written in place.
                      dx.finishRow(base + p * C, count: C, from: dzb + p * C)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    for c in 0..<C {
      var sg: Float = 0
      var sb: Float = 0
      for b in 0..<batch {
        sg += partG[b * stride + c]
        sb += partB[b * stride + c]
      }
      dgamma[c] = sg
      dbeta[c] = sb
    }
  }
}
