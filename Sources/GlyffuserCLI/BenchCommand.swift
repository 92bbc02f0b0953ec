import ArgumentParser
import Tensors

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure the engine on the shapes the U-Net uses.",
    subcommands: [
      BenchOpsCommand.self, BenchTrainCommand.self, BenchSampleCommand.self, BenchModelCommand.self,
      BenchSmokeCommand.self,
    ]
  )
}

/// The machine a benchmark ran on, as JSON fields every `bench … --json` line carries, so a table
/// made from the lines names its CPU (scripts/peers/unet_table.py).
enum BenchMachine {
  static var jsonFields: String {
    let quotedFlags = CPUFeatures.speedFlags.map { "\"\($0)\"" }.joined(separator: ", ")
    let threads = Parallel.threadCount
    return #""cpu": "\#(CPUFeatures.modelName)", "isa": [\#(quotedFlags)], "threads": \#(threads)"#
  }
}
