import ArgumentParser
import Foundation
import JobControl
import TextEncoding

/// `glyffuser encode --dataset DIR`: encodes every caption once into the data set's caption
/// cache, so training never runs the text encoder.
struct EncodeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "encode",
    abstract: "Encode a data set's captions once into a caption-embedding cache.")

  @Option(help: "Data set folder (with metadata.jsonl).")
  var dataset: String

  @OptionGroup var encoderOptions: EncoderOptions

  @Option(help: "Captions per encoder batch.")
  var batch = 64

  @Flag(help: "Store fp32 embeddings instead of fp16 (twice the size).")
  var fullPrecision = false

  @Flag(help: "Re-encode even when an up-to-date cache exists.")
  var force = false

  func validate() throws {
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
  }

  func run() async throws {
    let dir = URL(fileURLWithPath: dataset, isDirectory: true)
    let captions = try DatasetCaptions.read(dataset: dir)
    let encoder = try encoderOptions.load()
    let bar = ProgressBar(label: "encode")
    let outcome = try CaptionCacheService.openOrBuild(
      dataset: dir, captions: captions, encoder: encoder, encoderName: encoder.name, force: force,
      batchSize: batch, halfPrecision: !fullPrecision, progress: bar.handler)
    let url = outcome.cache.url
    guard let summary = outcome.built else {
      print("\(url.path): up to date (\(outcome.cache.count) captions, \(encoder.identity))")
      return
    }
    bar.finish()
    print(
      "encoded \(captions.count) captions with \(encoder.identity) (d=\(encoder.hiddenSize), "
        + "max \(encoder.maxLength) tokens, batch \(batch))")
    let size = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? 0
    print(
      String(
        format: "%@: %d captions (%d distinct incl. the empty prompt), %d tokens, %.1f MB, %.1f s "
          + "(%.0f captions/s)", url.path, summary.captions, summary.distinct, summary.tokens,
        Double(size) / 1e6, summary.seconds, Double(summary.distinct) / summary.seconds))
    if summary.truncated > 0 {
      print(
        "warning: \(summary.truncated) captions were longer than \(encoder.maxLength) tokens and "
          + "were truncated (raise --max-length to keep them whole)")
    }
  }
}

/// `--encoder NAME|PATH` and `--max-length`, shared by `encode` and `embed`.
struct EncoderOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Encoder name in the encoder cache, or a Hugging Face model folder.",
      valueName: "name|path"))
  var encoder: String = EncoderCatalog.defaultName

  @Option(help: "Maximum tokens per text, special tokens included; longer texts are truncated.")
  var maxLength = 77

  func load() throws -> TextEncoder {
    try TextEncoder.load(encoder, maxLength: maxLength)
  }
}
