import FuzzSupport
import GlyphData

/// libFuzzer: any bytes as a Unihan file (definitions and labels), every definition through the
/// caption cleaner, and the bytes themselves as one definition.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let definitions = try? UnihanParser.definitions(in: bytes, path: "fuzz.txt") {
    for d in definitions { _ = CaptionCleaner.clean(d.definition) }
  }
  _ = try? UnihanParser.labels(in: bytes, path: "fuzz.txt")
  _ = CaptionCleaner.clean(String(decoding: bytes, as: UTF8.self))
  return 0
}

@_cdecl("FuzzUnihan_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
