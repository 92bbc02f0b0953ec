// Bulk uniform and normal fills: deterministic element ↔ block mapping, SIMD over 8 blocks,
// parallel over fixed chunks.

extension RandomStream {
  /// Fills larger than this many elements are split over threads.
  public static let parallelThreshold = 1 << 16
  /// Elements per parallel work item (a multiple of 32, so chunks own whole 8-block groups);
  /// chunks run on `Parallel` (honours `GLYFFUSER_THREADS` and `Parallel.withThreadCount`).
  static let chunkElements = 1 << 14

  /// out[i] = u(word i % 4 of block position + i / 4), u(w) = (w >> 8) · 2⁻²⁴ ∈ [0, 1).
  public mutating func fillUniform(_ out: UnsafeMutableBufferPointer<Float>) {
    fill(out, parallelAbove: Self.parallelThreshold) { w in
      (
        SIMD8<Float>(w.0 &>> 8) * 0x1p-24, SIMD8<Float>(w.1 &>> 8) * 0x1p-24,
        SIMD8<Float>(w.2 &>> 8) * 0x1p-24, SIMD8<Float>(w.3 &>> 8) * 0x1p-24
      )
    }
  }

  /// out[i] = mean + std · z_i, z from the Box–Muller transform of block b = position + i/4
  /// (words w0…w3, u(w) = (w >> 8) · 2⁻²⁴):
  ///
  ///     r = √(−2 ln(u(w0) + 2⁻²⁴)),  θ = 2π · u(w1)   →  z_{4b} = r cos θ, z_{4b+1} = r sin θ
  ///     the same with (w2, w3)                          →  z_{4b+2}, z_{4b+3}
  ///
  /// u(w0) + 2⁻²⁴ lies in (0, 1], so |z| ≤ √(48 ln 2) ≈ 5.77. ln, sin and cos come from
  /// `PortableMath` (no libm), so the values are bit-identical on every platform, thread
  /// count and SIMD grouping.
  public mutating func fillNormal(
    _ out: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1
  ) {
    fillNormal(out, mean: mean, std: std, parallelAbove: Self.parallelThreshold)
  }

  /// `fillNormal` with an explicit parallel threshold (tests compare serial and parallel).
  mutating func fillNormal(
    _ out: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float, parallelAbove: Int
  ) {
    fill(out, parallelAbove: parallelAbove) { w in
      let (z0, z1, z2, z3) = Self.boxMuller(w)
      return (z0 * std + mean, z1 * std + mean, z2 * std + mean, z3 * std + mean)
    }
  }

  public mutating func normals(_ count: Int) -> [Float] {
    normals(count, mean: 0, std: 1)
  }

  public mutating func normals(_ count: Int, mean: Float, std: Float) -> [Float] {
    Array(unsafeUninitializedCapacity: count) { buf, n in
      fillNormal(buf, mean: mean, std: std)
      n = count
    }
  }

  public mutating func uniforms(_ count: Int) -> [Float] {
    Array(unsafeUninitializedCapacity: count) { buf, n in
      fillUniform(buf)
      n = count
    }
  }

  /// Box–Muller on 8 blocks: lane j of result k is z_{4j+k} of block j.
  @inlinable
  static func boxMuller(
    _ w: (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>)
  ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let ra = (-2 * PortableMath.log(SIMD8<Float>(w.0 &>> 8) * 0x1p-24 + 0x1p-24)).squareRoot()
    let rb = (-2 * PortableMath.log(SIMD8<Float>(w.2 &>> 8) * 0x1p-24 + 0x1p-24)).squareRoot()
    let a = PortableMath.sinCos2Pi(w.1 &>> 8)
    let b = PortableMath.sinCos2Pi(w.3 &>> 8)
    return (ra * a.cos, ra * a.sin, rb * b.cos, rb * b.sin)
  }

  /// Words of blocks first…first+7 (lane j: block first + j).
  @inlinable
  func blocks8(from first: UInt64) -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
    let index = SIMD8<UInt64>(repeating: first) &+ SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
    return philox.blocks8(
      SIMD8<UInt32>(truncatingIfNeeded: index), SIMD8<UInt32>(truncatingIfNeeded: index &>> 32),
      SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: tag)),
      SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: tag >> 32)))
  }

  /// The naive oracle for the fills: element i of a normal fill starting at block `start`,
  /// computed alone from its scalar block (`block(at:)`), the formula written out per element.
  func referenceNormal(element i: Int, startBlock: UInt64, mean: Float, std: Float) -> Float {
    let w = block(at: startBlock &+ UInt64(i / 4))
    let pair = (i % 4) / 2
    let u1 = Float(w[2 * pair] >> 8) * 0x1p-24 + 0x1p-24
    let r = (-2 * PortableMath.log(SIMD8(repeating: u1))[0]).squareRoot()
    let sc = PortableMath.sinCos2Pi(SIMD8(repeating: w[2 * pair + 1] >> 8))
    return (i % 2 == 0 ? r * sc.cos[0] : r * sc.sin[0]) * std + mean
  }

  /// Shared driver: `transform` maps the words of 8 consecutive blocks to their 32 values
  /// (lane j of result k → element 4j + k of the group); chunks of `chunkElements` run
  /// concurrently on `Parallel.forChunks` when `out.count > parallelAbove`. Skips a partly
  /// used block first, then advances `position` past every block touched.
  private mutating func fill(
    _ out: UnsafeMutableBufferPointer<Float>, parallelAbove: Int,
    _ transform: (
      (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>)
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
  ) {
    let start = position  // a partly used block counts as consumed already
    position = start  // drop buffered words
    let n = out.count
    guard n > 0, let base = out.baseAddress else { return }
    let stream = self
    // Elements [lo, hi), lo a multiple of 32.
    func run(_ lo: Int, _ hi: Int) {
      let out = base
      var group = [Float](repeating: 0, count: 32)
      for e in stride(from: lo, to: hi, by: 32) {
        let (v0, v1, v2, v3) = transform(stream.blocks8(from: start &+ UInt64(e / 4)))
        group.withUnsafeMutableBufferPointer { g in
          for j in 0..<8 {
            g[4 * j] = v0[j]
            g[4 * j + 1] = v1[j]
            g[4 * j + 2] = v2[j]
            g[4 * j + 3] = v3[j]
          }
          (out + e).update(from: g.baseAddress!, count: min(32, hi - e))
        }
      }
    }
    if n > parallelAbove {
      Parallel.forChunks(n, chunk: Self.chunkElements) { _, r in run(r.lowerBound, r.upperBound) }
    } else {
      run(0, n)
    }
    position = start &+ UInt64((n + 3) / 4)
  }
}
