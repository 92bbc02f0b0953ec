// Bulk uniform and normal fills: deterministic element ↔ block mapping, parallel over chunks.

import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension RandomStream {
  /// Fills larger than this many elements are split over threads.
  public static let parallelThreshold = 1 << 16
  /// Elements per parallel work item (a multiple of 4, so chunks own whole blocks).
  static let chunkElements = 1 << 14

  /// out[i] = uniform(word i % 4 of block position + i / 4), on [0, 1) with 24 random bits.
  public mutating func fillUniform(_ out: UnsafeMutableBufferPointer<Float>) {
    fill(out, parallelAbove: Self.parallelThreshold) { words in
      SIMD4(
        Self.uniform(words[0]), Self.uniform(words[1]), Self.uniform(words[2]),
        Self.uniform(words[3]))
    }
  }

  /// out[i] = mean + std · z_i with z from the Box–Muller transform of block b = position + i/4
  /// (words w0…w3, u(w) = (w >> 8) · 2⁻²⁴):
  ///
  ///     r = √(−2 ln(u(w0) + 2⁻²⁴)),  θ = 2π · u(w1)   →  z_{4b} = r cos θ, z_{4b+1} = r sin θ
  ///     the same with (w2, w3)                          →  z_{4b+2}, z_{4b+3}
  ///
  /// u(w0) + 2⁻²⁴ lies in (0, 1], so |z| ≤ √(48 ln 2) ≈ 5.77. Computed in Float with the
  /// platform libm (`logf`, `cosf`, `sinf`): bit-identical across thread counts and runs on one
  /// platform; bit equality across platforms needs the same libm (glibc here).
  public mutating func fillNormal(
    _ out: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1
  ) {
    fillNormal(out, mean: mean, std: std, parallelAbove: Self.parallelThreshold)
  }

  /// `fillNormal` with an explicit parallel threshold (tests compare serial and parallel).
  mutating func fillNormal(
    _ out: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float, parallelAbove: Int
  ) {
    fill(out, parallelAbove: parallelAbove) { words in
      Self.normals(words) * std + mean
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

  /// Four standard normals from one block (Box–Muller on two word pairs).
  @inline(__always)
  static func normals(_ w: SIMD4<UInt32>) -> SIMD4<Float> {
    let r0 = sqrtf(-2 * logf(uniform(w[0]) + 0x1p-24))
    let t0 = 2 * Float.pi * uniform(w[1])
    let r1 = sqrtf(-2 * logf(uniform(w[2]) + 0x1p-24))
    let t1 = 2 * Float.pi * uniform(w[3])
    return SIMD4(r0 * cosf(t0), r0 * sinf(t0), r1 * cosf(t1), r1 * sinf(t1))
  }

  /// The naive oracle for the fills: element i of a normal fill starting at block `start`,
  /// computed alone from its block.
  func referenceNormal(element i: Int, startBlock: UInt64, mean: Float, std: Float) -> Float {
    let z = Self.normals(block(at: startBlock &+ UInt64(i / 4)))
    return z[i % 4] * std + mean
  }

  /// Shared driver: block b = start + i/4 feeds elements 4b…4b+3 through `transform`; chunks of
  /// `chunkElements` run concurrently when `out.count > parallelAbove`. Skips a partly used
  /// block first, then advances `position` past every block touched.
  private mutating func fill(
    _ out: UnsafeMutableBufferPointer<Float>, parallelAbove: Int,
    _ transform: @Sendable (SIMD4<UInt32>) -> SIMD4<Float>
  ) {
    let start = position  // a partly used block counts as consumed already
    position = start  // drop buffered words
    let n = out.count
    guard n > 0, let base = out.baseAddress else { return }
    let blocks = (n + 3) / 4
    let stream = self
    let dst = SendablePointer(base)
    @Sendable func run(_ elements: Range<Int>) {
      let base = dst.pointer
      var i = elements.lowerBound
      while i < elements.upperBound {
        let v = transform(stream.block(at: start &+ UInt64(i / 4)))
        let m = min(4, elements.upperBound - i)
        for k in 0..<m { base[i + k] = v[k] }
        i += 4
      }
    }
    if n > parallelAbove {
      let chunk = Self.chunkElements
      DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { c in
        run(c * chunk..<min(n, (c + 1) * chunk))
      }
    } else {
      run(0..<n)
    }
    position = start &+ UInt64(blocks)
  }
}
