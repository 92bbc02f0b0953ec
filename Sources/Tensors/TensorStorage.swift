/// The bytes behind one or more tensors. Views (reshape, slices, permutations) share a storage;
/// `Tensor` copies it before a write when it is shared (copy-on-write).
public final class TensorStorage: @unchecked Sendable {
  public let pointer: UnsafeMutableRawPointer
  public let byteCount: Int

  /// Uninitialised, 64-byte aligned (one cache line, one AVX-512 vector).
  public init(byteCount: Int) {
    self.byteCount = byteCount
    pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
  }

  deinit { pointer.deallocate() }

  @inline(__always)
  public func floats(count: Int) -> UnsafeMutablePointer<Float> {
    pointer.assumingMemoryBound(to: Float.self)
  }
}
