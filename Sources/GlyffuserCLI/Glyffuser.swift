import ArgumentParser

@main
struct Glyffuser: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "glyffuser",
    abstract: "Text-to-glyph diffusion: invent Chinese characters for English prompts.",
    subcommands: [BenchCommand.self, DatasetCommand.self, TrainCommand.self]
  )
}
