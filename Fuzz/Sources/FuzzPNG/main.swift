import FuzzSupport
@testable import Imaging

/// libFuzzer: any bytes as a PNG. Decoding may fail with an error, never trap; a decoded image
/// has exactly width × height × channels bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let image = try? PNGDecoder.decode(bytes) else { return 0 }
  precondition(image.pixels.count == image.width * image.height * image.format.channels)
  return 0
}

@_cdecl("FuzzPNG_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
