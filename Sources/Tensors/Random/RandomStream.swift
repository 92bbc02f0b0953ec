// Named, independent, resumable random streams over Philox4x32-10.

/// A named random stream: block `p` of stream (seed, name) is
///
///     Philox4x32-10(key: splitMix64(seed) as (lo, hi),
///                   counter: (p lo, p hi, tag lo, tag hi)),  tag = splitMix64(fnv1a64(name))
///
/// Different seeds give different keys (splitMix64 is a bijection) and different names give
/// disjoint counter ranges under a key (up to a 2⁻⁶⁴ tag collision), so streams never share
/// blocks. `position` counts the blocks consumed; a stream is a pure function of
/// (seed, name, position), which is all a checkpoint needs (`Codable`).
///
/// Scalar draws (`nextUInt32`, `nextUniform`, `nextInt`) take words 0…3 of a block in turn.
/// Bulk fills start at a fresh block (a partly used block is skipped) and map element i to
/// word i % 4 of block `position + i / 4`, then advance `position` by ⌈count / 4⌉; so a fill's
/// values depend only on (key, starting position, i), whatever the thread count.
public struct RandomStream: Sendable, Codable, Equatable {
  public let seed: UInt64
  public let name: String
  @usableFromInline let philox: Philox4x32
  @usableFromInline let tag: UInt64
  private var nextBlock: UInt64 = 0
  /// Words of `buffer` already used (4: none buffered).
  private var lane = 4
  private var buffer = SIMD4<UInt32>()

  public init(seed: UInt64, name: String) {
    self.seed = seed
    self.name = name
    let k = splitMix64(seed)
    philox = Philox4x32(
      key: SIMD2(UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32)))
    tag = splitMix64(fnv1a64(name))
  }

  /// Blocks consumed (including a partly used one). Setting it discards any buffered words.
  public var position: UInt64 {
    get { nextBlock }
    set {
      nextBlock = newValue
      lane = 4
    }
  }

  /// The 4 words of block `p` of this stream.
  @inlinable
  public func block(at p: UInt64) -> SIMD4<UInt32> {
    philox.block(
      SIMD4(
        UInt32(truncatingIfNeeded: p), UInt32(truncatingIfNeeded: p >> 32),
        UInt32(truncatingIfNeeded: tag), UInt32(truncatingIfNeeded: tag >> 32)))
  }

  public mutating func nextUInt32() -> UInt32 {
    if lane == 4 {
      buffer = block(at: nextBlock)
      nextBlock &+= 1
      lane = 0
    }
    defer { lane += 1 }
    return buffer[lane]
  }

  /// Uniform on [0, 1): the top 24 bits of one word times 2⁻²⁴ (every value exact in Float).
  public mutating func nextUniform() -> Float {
    Self.uniform(nextUInt32())
  }

  /// Uniform on 0..<n without modulo bias (Lemire, "Fast random integer generation in an
  /// interval", 2019): one 32-bit word when n ≤ 2³², two otherwise; rejection is rare.
  public mutating func nextInt(below n: Int) -> Int {
    precondition(n > 0, "nextInt(below: \(n)): bound must be positive")
    if n <= Int(UInt32.max) {
      let bound = UInt32(n)
      var m = UInt64(nextUInt32()) &* UInt64(bound)
      if UInt32(truncatingIfNeeded: m) < bound {
        let threshold = (0 &- bound) % bound
        while UInt32(truncatingIfNeeded: m) < threshold {
          m = UInt64(nextUInt32()) &* UInt64(bound)
        }
      }
      return Int(m >> 32)
    }
    let bound = UInt64(n)
    var m = next64().multipliedFullWidth(by: bound)
    if m.low < bound {
      let threshold = (0 &- bound) % bound
      while m.low < threshold { m = next64().multipliedFullWidth(by: bound) }
    }
    return Int(m.high)
  }

  /// Fisher–Yates: for i = n−1 … 1, swap a[i] with a[nextInt(below: i + 1)].
  public mutating func shuffle<T>(_ a: inout [T]) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
      a.swapAt(i, nextInt(below: i + 1))
    }
  }

  private mutating func next64() -> UInt64 {
    UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
  }

  /// Word → [0, 1): (w >> 8) · 2⁻²⁴.
  @inlinable
  static func uniform(_ w: UInt32) -> Float {
    Float(w >> 8) * 0x1p-24
  }

  // MARK: Codable — (seed, name, position, lane); the key and buffer are recomputed.

  enum CodingKeys: String, CodingKey { case seed, name, position, lane }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      seed: try c.decode(UInt64.self, forKey: .seed), name: try c.decode(String.self, forKey: .name)
    )
    nextBlock = try c.decode(UInt64.self, forKey: .position)
    let lane = try c.decodeIfPresent(Int.self, forKey: .lane) ?? 4
    guard (0...4).contains(lane), lane == 4 || nextBlock > 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .lane, in: c, debugDescription: "lane \(lane) invalid at position \(nextBlock)")
    }
    self.lane = lane
    if lane < 4 { buffer = block(at: nextBlock - 1) }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(seed, forKey: .seed)
    try c.encode(name, forKey: .name)
    try c.encode(nextBlock, forKey: .position)
    try c.encode(lane, forKey: .lane)
  }
}
