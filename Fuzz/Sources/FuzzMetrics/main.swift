import Diffusion
import Foundation
import FuzzSupport

/// libFuzzer: any bytes as a run's `metrics.jsonl` (what `glyffuser plot` reads).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  _ = try? TrainingMetrics.decode(
    Data(UnsafeBufferPointer(start: data, count: size)), path: "metrics.jsonl")
  return 0
}

@_cdecl("FuzzMetrics_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
