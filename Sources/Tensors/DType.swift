/// Element types a tensor can store.
///
/// Arithmetic is carried out in fp32; `bf16` is a storage type (half the memory) whose values are
/// converted on the way into a kernel and rounded (to nearest even) on the way out.
public enum DType: String, Sendable, Hashable, CaseIterable {
  case f32
  case bf16

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .f32: 4
    case .bf16: 2
    }
  }
}
