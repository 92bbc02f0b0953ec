import FuzzSupport
import TensorFiles

/// libFuzzer: any bytes as a safetensors file. Parsing may fail with an error, never trap; a
/// file that parses must yield every tensor it lists.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let file = try? SafeTensorsFile(bytes: bytes) else { return 0 }
  for name in file.names {
    guard let info = try? file.info(name) else { fatalError("listed tensor \(name) has no info") }
    switch info.dtype {
    case .u8: _ = try? file.uint8s(name)
    case .i64: _ = try? file.int64s(name)
    default: _ = try? file.floats(name)
    }
  }
  return 0
}

@_cdecl("FuzzSafeTensors_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
