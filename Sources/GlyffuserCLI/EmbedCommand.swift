import ArgumentParser
import Foundation
import Tensors
import TextEncoding

/// `glyffuser embed "text"`: token ids, the embedding's shape and norm; `--similar` lists the
/// data set's captions closest by mean-pooled cosine similarity.
struct EmbedCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "embed", abstract: "Show how the text encoder sees a prompt.")

  @Argument(help: "The text (may be empty: the unconditional prompt).")
  var text: String

  @OptionGroup var encoderOptions: EncoderOptions

  @Flag(help: "List the data set's captions closest to the text (needs --dataset).")
  var similar = false

  @Option(help: "Data set folder (with metadata.jsonl) for --similar.")
  var dataset: String?

  @Option(help: "How many captions --similar lists.")
  var top = 10

  func validate() throws {
    if similar && dataset == nil { throw ValidationError("--similar needs --dataset DIR") }
  }

  func run() async throws {
    let encoder = try encoderOptions.load()
    let out = encoder.encode([text])
    if out.truncated[0] {
      FileHandle.standardError.write(
        Data("warning: the text is longer than \(encoder.maxLength) tokens; truncated\n".utf8))
    }
    let ids = out.ids[0]
    print("encoder: \(encoder.identity) (\(encoder.kind), d=\(encoder.hiddenSize))")
    print("tokens (\(ids.count)): \(ids.map(String.init).joined(separator: " "))")
    print("pieces: \(encoder.tokenizer.pieces(ids).joined(separator: " "))")
    let states = out.hiddenStates[0]
    let norm = states.squared().sum().item.squareRoot()
    let pooled = TextEncoder.meanPooled(out)
    print(
      String(
        format: "embedding: [%d, %d], Frobenius norm %.4f, mean-pooled norm %.4f", ids.count,
        encoder.hiddenSize, norm, pooled.squared().sum().item.squareRoot()))
    guard similar, let dataset else { return }
    let dir = URL(fileURLWithPath: dataset, isDirectory: true)
    let captions = try DatasetCaptions.read(dataset: dir)
    let vectors = try pooledCaptions(captions, dir: dir, encoder: encoder)
    let q = unit(pooled.scalars)
    let d = encoder.hiddenSize
    let scored = (0..<captions.count).map { i -> (Float, Int) in
      var dot: Float = 0
      for k in 0..<d { dot += q[k] * vectors[i * d + k] }
      return (dot, i)
    }.sorted { $0.0 > $1.0 }
    print("closest captions (cosine of mean-pooled embeddings):")
    for (score, i) in scored.prefix(top) {
      print(String(format: "  %.4f  #%d  %@", score, i, captions[i]))
    }
  }

  /// Unit-length mean-pooled vectors `[n × d]` of the captions: from the data set's caption
  /// cache when it matches this encoder, else encoded now.
  func pooledCaptions(_ captions: [String], dir: URL, encoder: TextEncoder) throws -> [Float] {
    let d = encoder.hiddenSize
    var out = [Float](repeating: 0, count: captions.count * d)
    let url = CaptionCache.location(dataset: dir, encoderName: encoder.name)
    if let cache = try? CaptionCache(contentsOf: url),
      CaptionCacheService.isFresh(cache, captions: captions, encoder: encoder)
    {
      for i in 0..<captions.count {
        let e = cache.embedding(i).embeddings
        let mean = e.mean(alongAxes: [0]).scalars
        out.replaceSubrange((i * d)..<((i + 1) * d), with: unit(mean))
      }
      return out
    }
    FileHandle.standardError.write(
      Data("no caption cache for \(encoder.name) in \(dir.path); encoding the captions now\n".utf8))
    let bar = ProgressBar(label: "embed")
    for start in stride(from: 0, to: captions.count, by: 64) {
      let end = min(start + 64, captions.count)
      let pooled = TextEncoder.meanPooled(encoder.encode(Array(captions[start..<end]))).scalars
      for i in start..<end {
        let v = Array(pooled[((i - start) * d)..<((i - start + 1) * d)])
        out.replaceSubrange((i * d)..<((i + 1) * d), with: unit(v))
      }
      bar.update(end, captions.count)
    }
    bar.finish()
    return out
  }

  func unit(_ v: [Float]) -> [Float] {
    let n = max(v.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
    return v.map { $0 / n }
  }
}
