import ArgumentParser
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

@main
struct Glyffuser: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "glyffuser",
    abstract: "Text-to-glyph diffusion: invent Chinese characters for English prompts.",
    subcommands: [
      DatasetCommand.self, EncodeCommand.self, EmbedCommand.self, InitModelCommand.self,
      TrainCommand.self, TrainSRCommand.self, GenerateCommand.self, PlotCommand.self,
      ExplainCommand.self,
      JudgeCommand.self, EvalCommand.self, EvalSRCommand.self, CompareCommand.self,
      ConvertCommand.self,
      ServeCommand.self, ExportDiffusersCommand.self, BenchCommand.self,
    ]
  )

  static func main() async {
    OpenMPEnvironment.reexecIfNeeded()
    await Self.main(nil)
  }
}

/// libgomp reads its environment once, when the library loads (before `main`), and by default
/// its idle threads spin for a long time at every barrier (300,000 spins). When the two cores are
/// shared with anything else that spinning starves the real work: a training step of the tiny
/// preset took 12.3 s with the default and 2.2–2.7 s with `OMP_WAIT_POLICY=passive` under loads
/// of 3–5. Sleeping at once (passive) costs a futex wake-up at each of the engine's many short
/// parallel regions instead. A short spin, `GOMP_SPINCOUNT=3000` (a few microseconds), keeps
/// most of the quick hand-offs and still yields under load. Measured on the 2-core Zen 4 VM
/// (tiny preset, batch 32, seconds per step, min/median; docs/BENCHMARKS.md, "Threads"):
/// unloaded 0.405/0.408 against passive 0.435/0.445; three busy loops 1.59/1.72 against
/// 1.93/2.10; five 2.83/2.91 against 3.01/3.34; 30,000 spins was no better than passive under
/// load. So unless the user chose a policy or a spin count, set the short spin and re-run this
/// program once with it.
enum OpenMPEnvironment {
  static let marker = "GLYFFUSER_OMP_SET"

  static func reexecIfNeeded() {
    let env = ProcessInfo.processInfo.environment
    guard env["OMP_WAIT_POLICY"] == nil, env["GOMP_SPINCOUNT"] == nil, env[marker] == nil else {
      return
    }
    setenv("GOMP_SPINCOUNT", "3000", 1)
    setenv(marker, "1", 1)
    let args = CommandLine.arguments
    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
    cargs.append(nil)
    execv("/proc/self/exe", &cargs)
    // exec failed (no /proc): carry on with the default policy.
  }
}
