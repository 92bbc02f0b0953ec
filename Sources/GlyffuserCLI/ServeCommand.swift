import ArgumentParser
import Diffusion
import Foundation
import GlyffuserServer
import GlyphData
import Hummingbird

/// `glyffuser serve`: the local web app. Loads the model and its text encoder once, then serves
/// the page, the live denoising stream, the job API and the gallery until SIGINT/SIGTERM: then new
/// jobs get 503, running and queued ones stop at their next step, the streams end and the server
/// shuts down (nothing half-written stays in the gallery: its files are written atomically).
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a web page that draws glyphs live from a prompt (http://127.0.0.1:8080).")

  @Option(help: ArgumentHelp(stringLiteral: ModelOption.help)) var model: String?
  @Option(help: "Text encoder name or folder (default: the one the model was trained with).")
  var encoder: String?
  @Option(help: "Address to bind: 127.0.0.1 (this machine only) unless you mean to share it.")
  var host = "127.0.0.1"
  @Option(help: "Port (0: any free port).") var port = 8080
  @Option(help: "Generations that may wait behind the running one; more get HTTP 429.")
  var queue = 8
  @Option(help: "Gallery folder (default: $XDG_DATA_HOME/glyffuser/gallery).") var gallery: String?
  @Option(help: "A folder from `glyffuser explain all --out DIR`, shown under /explain/.")
  var explain: String?
  @Option(help: "A training run folder (train --out RUN), shown live in the Training tab.")
  var run: String?
  @Option(help: "The data set the model was trained on: each glyph's nearest real characters.")
  var dataset: String?
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?
  @OptionGroup var superResolution: SuperResolutionOptions

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
    guard (0...1024).contains(queue) else { throw ValidationError("--queue must be in 0…1024") }
    if let run {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: run, isDirectory: &isFolder), isFolder.boolValue
      else { throw ValidationError("--run \(run): no such folder") }
    }
    if let explain {
      let index = URL(fileURLWithPath: explain).appendingPathComponent("index.html").path
      guard FileManager.default.fileExists(atPath: index) else {
        throw ValidationError(
          "--explain \(explain): no index.html there (write one with `glyffuser explain all --out \(explain)`)"
        )
      }
    }
  }

  func run() async throws {
    try PrecisionFlag.apply(precision, for: .inference)
    if !["127.0.0.1", "localhost", "::1"].contains(host) {
      warn(
        "binding to \(host): anyone who can reach this machine on port \(port) can use the "
          + "server and its CPU; there is no authentication")
    }
    let modelURL = try ModelOption.folder(model)
    let base = try ModelFolder.load(from: modelURL).unet.config.sampleSize
    let studio = try GlyphStudio(
      model: modelURL, encoder: encoder, queueLimit: queue,
      superResolution: try superResolution.stage(baseSize: base))
    let folder = gallery.map { URL(fileURLWithPath: $0) } ?? Gallery.defaultFolder
    let nearest = try dataset.map { folder in
      do {
        return try NearestGlyphs(
          dataset: try GlyphDataset(contentsOf: URL(fileURLWithPath: folder)),
          size: studio.baseSize)
      } catch { throw CLIError("--dataset \(folder): \(error)") }
    }
    let board = JobBoard(studio: studio, gallery: try Gallery(folder: folder))
    try await GlyphServer.run(
      board: board,
      options: .init(
        host: host, port: port, explain: explain.map { URL(fileURLWithPath: $0) },
        run: run.map { URL(fileURLWithPath: $0) }, nearest: nearest)
    ) { bound in
      FileHandle.standardOutput.write(
        Data(
          "serving \(studio.modelName) at http://\(host):\(bound)/ (gallery: \(folder.path))\n".utf8
        ))
    }
  }
}
