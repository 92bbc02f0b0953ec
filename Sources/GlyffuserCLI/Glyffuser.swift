import ArgumentParser

@main
struct Glyffuser: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "glyffuser",
    abstract: "Text-to-glyph diffusion: invent Chinese characters for English prompts.",
    subcommands: [
      DatasetCommand.self, EncodeCommand.self, EmbedCommand.self, InitModelCommand.self,
      TrainCommand.self, GenerateCommand.self, BenchCommand.self,
    ]
  )
}
