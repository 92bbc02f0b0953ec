import ArgumentParser
import Diffusion
import Foundation

/// `glyffuser export-diffusers MODEL --out DIR`: a model folder as a diffusers pipeline folder
/// (`DiffusersExport`), which `scale-out/generate.py` draws from with diffusers and transformers.
struct ExportDiffusersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-diffusers",
    abstract: "Write a model folder as a diffusers pipeline folder (unet, scheduler, text encoder)."
  )

  @Argument(help: "Model folder (default: the shipped model).") var model: String?
  @Option(help: "Folder to write (must not exist).") var out: String
  @Option(help: "Text encoder to include (default: the model's).") var encoder: String?

  func run() throws {
    let source = try ModelOption.folder(model)
    let withEncoder: Bool
    do {
      withEncoder = try DiffusersExport.export(
        model: source, to: URL(fileURLWithPath: out), encoder: encoder)
    } catch { throw CLIError("\(error)") }
    print(
      "wrote \(out): unet, scheduler"
        + (withEncoder
          ? ", text_encoder, tokenizer" : " (the text encoder is not installed: named only)"))
  }
}
