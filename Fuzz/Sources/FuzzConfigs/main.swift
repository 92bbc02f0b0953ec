import Diffusion
import Evaluation
import Foundation
import FuzzSupport
import GlyphData
import TextEncoding

/// libFuzzer: the first byte picks a JSON file the project reads, the rest is its content. Each
/// is decoded and validated as its loader does; anything accepted must be usable without a trap
/// (a U-Net config's parameter count, a scheduler's sampler, a judge's layers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard size >= 1 else { return 0 }
  let json = Data(UnsafeBufferPointer(start: data, count: size).dropFirst())
  let decoder = JSONDecoder()
  switch data![0] % 10 {
  case 0:
    if let config = try? UNetConfig(diffusersJSON: json, file: "config.json") {
      precondition(config.parameterCount > 0)
    }
  case 1:
    if let settings = try? SchedulerConfig.decode(json).settings() {
      for steps in [1, 10, 1000] { _ = try? settings.makeSampler(steps: steps) }
    }
  case 2: _ = try? decoder.decode(ModelFolder.Record.self, from: json)
  case 3:
    if let config = try? decoder.decode(JudgeConfig.self, from: json) {
      try? config.validate(file: "judge.json")
    }
  case 4: _ = try? decoder.decode(ShardMetadata.self, from: json)
  case 5: _ = try? decoder.decode(DatasetManifest.self, from: json)
  case 6: _ = try? decoder.decode(TrainerState.self, from: json)
  case 7: _ = try? BertConfig(data: json)
  case 8: _ = try? T5Config(data: json)
  default: _ = try? WordPieceTokenizer(tokenizerJSONData: json)
  }
  return 0
}

@_cdecl("FuzzConfigs_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
