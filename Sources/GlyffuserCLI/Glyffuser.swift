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
      TrainCommand.self, GenerateCommand.self, PlotCommand.self, ExplainCommand.self,
      BenchCommand.self,
    ]
  )

  static func main() async {
    OpenMPEnvironment.reexecIfNeeded()
    await Self.main(nil)
  }
}

/// libgomp reads its environment once, when the library loads (before `main`), and by default
/// its idle threads spin for a long time at every barrier. When the two cores are shared with
/// anything else that spinning starves the real work: a training step of the tiny preset took
/// 12.3 s with the default and 2.2–2.7 s with `OMP_WAIT_POLICY=passive` under loads of 3–5 (a
/// shorter `GOMP_SPINCOUNT` varied between 2.7 and 11.9 s). So unless the user chose a policy,
/// set the passive one and re-run this program once with it.
enum OpenMPEnvironment {
  static let marker = "GLYFFUSER_OMP_SET"

  static func reexecIfNeeded() {
    let env = ProcessInfo.processInfo.environment
    guard env["OMP_WAIT_POLICY"] == nil, env["GOMP_SPINCOUNT"] == nil, env[marker] == nil else {
      return
    }
    setenv("OMP_WAIT_POLICY", "passive", 1)
    setenv(marker, "1", 1)
    let args = CommandLine.arguments
    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
    cargs.append(nil)
    execv("/proc/self/exe", &cargs)
    // exec failed (no /proc): carry on with the default policy.
  }
}
