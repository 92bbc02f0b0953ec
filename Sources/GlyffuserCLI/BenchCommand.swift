import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure the engine on the shapes the U-Net uses.",
    subcommands: [BenchOpsCommand.self, BenchTrainCommand.self]
  )
}

struct BenchOpsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ops", abstract: "Time each op per shape, dtype and direction.")

  @Flag(help: "One JSON object per line instead of a table.")
  var json = false

  func run() async throws {
    print("bench ops: not yet implemented")
  }
}
