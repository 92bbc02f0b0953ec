import Foundation

/// Tensors to and from safetensors entries.
extension Tensor {
  /// A safetensors entry holding this tensor as F32 or BF16 (its own dtype).
  public func safeTensorsEntry(name: String) -> SafeTensorsEntry {
    switch dtype {
    case .f32: return .f32(name, shape: shape, scalars)
    case .bf16:
      let t = contiguous(dtype: .bf16)
      let bytes = Array(UnsafeRawBufferPointer(start: t.bf16Pointer, count: t.scalarCount * 2))
      return try! SafeTensorsEntry(name: name, dtype: .bf16, shape: shape, data: bytes)
    }
  }

  /// Loads tensor `name` (F32, F16, BF16 or F64, converted to fp32).
  public init(safeTensors file: SafeTensorsFile, name: String) throws {
    let info = try file.info(name)
    self.init(shape: info.shape, scalars: try file.floats(name))
  }
}
