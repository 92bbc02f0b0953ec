import ArgumentParser

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
