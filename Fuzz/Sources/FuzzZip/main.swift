import FuzzSupport

@testable import GlyphData

/// libFuzzer: any bytes as a zip archive (the Unihan download's format), every entry extracted.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let archive = try? ZipArchive(bytes: bytes, path: "fuzz.zip") else { return 0 }
  for entry in archive.entries { _ = try? archive.contents(of: entry) }
  return 0
}

@_cdecl("FuzzZip_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
