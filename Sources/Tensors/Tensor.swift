/// An n-dimensional array of numbers with reverse-mode autodiff.
///
/// A value type: copies are cheap (the storage is shared) and a write goes to a private copy when
/// the storage is shared (copy-on-write). Views — `reshaped`, `permuted`, `slice` — share storage
/// and carry strides; kernels that need dense memory call `contiguous()`.
///
/// Images are NHWC: `[batch, height, width, channels]`.
///
/// ```swift
/// let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGrad()
/// let y = (x * x).sum()          // y = Σ x²
/// y.backward()                   // x.grad = 2x
/// ```
public struct Tensor: @unchecked Sendable {
  public internal(set) var storage: TensorStorage
  public let shape: [Int]
  /// Element strides per dimension.
  public let strides: [Int]
  /// Element offset of the first element within `storage`.
  public let offset: Int
  public let dtype: DType
  /// The autodiff node that produced this tensor (nil when it is a constant).
  var node: GradNode?

  init(
    storage: TensorStorage, shape: [Int], strides: [Int], offset: Int, dtype: DType,
    node: GradNode? = nil
  ) {
    self.storage = storage
    self.shape = shape
    self.strides = strides
    self.offset = offset
    self.dtype = dtype
    self.node = node
  }

  /// A dense tensor with uninitialised contents (kernels fill it).
  public init(uninitializedShape shape: [Int], dtype: DType = .f32) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    let count = ShapeMath.count(shape)
    self.init(
      storage: TensorStorage(byteCount: count * dtype.byteSize), shape: shape,
      strides: ShapeMath.contiguousStrides(shape), offset: 0, dtype: dtype)
  }

  /// A dense fp32 tensor from row-major scalars.
  public init(shape: [Int], scalars: [Float]) {
    precondition(
      ShapeMath.count(shape) == scalars.count,
      "shape \(shape) needs \(ShapeMath.count(shape)) scalars, got \(scalars.count)")
    self.init(uninitializedShape: shape)
    let p = storage.floats(count: scalars.count)
    scalars.withUnsafeBufferPointer { src in
      if let base = src.baseAddress { p.update(from: base, count: src.count) }
    }
  }

  /// A 0-dimensional tensor.
  public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

  public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
  public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

  public static func full(_ shape: [Int], _ value: Float) -> Tensor {
    var t = Tensor(uninitializedShape: shape)
    t.storage.floats(count: t.scalarCount).initialize(repeating: value, count: t.scalarCount)
    t.node = nil
    return t
  }

  /// 0, 1, … n−1 as fp32.
  public static func arange(_ n: Int) -> Tensor {
    Tensor(shape: [n], scalars: (0..<n).map { Float($0) })
  }

  public var rank: Int { shape.count }
  public var scalarCount: Int { ShapeMath.count(shape) }

  /// Whether the elements are dense and row-major starting at `offset`.
  public var isContiguous: Bool { strides == ShapeMath.contiguousStrides(shape) }

  /// All elements, row-major, as fp32.
  public var scalars: [Float] {
    let t = contiguous(dtype: .f32)
    return Array(UnsafeBufferPointer(start: t.floatPointer, count: t.scalarCount))
  }

  /// The single element of a one-element tensor.
  public var item: Float {
    precondition(scalarCount == 1, "item needs exactly one element, shape is \(shape)")
    return scalars[0]
  }

  /// Pointer to the first fp32 element. Only valid for `dtype == .f32` (checked in debug
  /// builds: at bf16 precision products return bf16 tensors, and a kernel that takes their
  /// storage for fp32 would read past the end).
  @inline(__always)
  var floatPointer: UnsafeMutablePointer<Float> {
    assert(dtype == .f32, "floatPointer of a \(dtype) tensor")
    return storage.pointer.assumingMemoryBound(to: Float.self) + offset
  }

  /// Pointer to the first bf16 element (raw bits). Only valid for `dtype == .bf16`.
  @inline(__always)
  var bf16Pointer: UnsafeMutablePointer<UInt16> {
    assert(dtype == .bf16, "bf16Pointer of a \(dtype) tensor")
    return storage.pointer.assumingMemoryBound(to: UInt16.self) + offset
  }

  /// Reads dense fp32 elements. Converts (copies) when the tensor is strided or bf16.
  public func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    let t = contiguous(dtype: .f32)
    return try withExtendedLifetime(t.storage) {
      try body(UnsafeBufferPointer(start: t.floatPointer, count: t.scalarCount))
    }
  }

  /// Writes dense fp32 elements in place, copying first when the storage is shared or strided.
  /// Constant tensors only: mutation would invalidate recorded gradients.
  public mutating func withMutableFloats<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    if !(isContiguous && dtype == .f32 && offset == 0 && isKnownUniquelyReferenced(&storage)) {
      let copy = Tensor.copying(self, to: .f32)
      self = Tensor(
        storage: copy.storage, shape: shape, strides: copy.strides, offset: 0, dtype: .f32,
        node: node)
    }
    return try body(UnsafeMutableBufferPointer(start: floatPointer, count: scalarCount))
  }

  /// A dense row-major tensor with the same values (self when already so). Differentiable.
  public func contiguous() -> Tensor {
    if isContiguous { return self }
    return differentiableCopy()
  }

  /// Dense tensor in the given dtype; no gradient is recorded (internal kernel plumbing).
  func contiguous(dtype target: DType) -> Tensor {
    if isContiguous && dtype == target { return self }
    return Tensor.copying(self, to: target)
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let values = scalarCount <= 16 ? "\(scalars)" : "\(Array(scalars.prefix(8))) …"
    return "Tensor(\(shape), \(dtype), \(values))"
  }
}
