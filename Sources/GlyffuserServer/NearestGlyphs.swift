import Evaluation
import Foundation
import GlyphData
import Imaging

/// "Nearest real characters" for `serve --dataset DIR`: the training glyphs closest to a drawn
/// one (per-pixel RMS at the model's size, as `glyffuser eval`'s novelty measure), with their
/// characters and definitions, and whether the drawn glyph counts as a copy: closer than all but
/// the closest 1 % of the held-out real characters come to a training glyph (`NoveltySearch`).
public struct NearestGlyphs: Sendable {
  /// One training glyph near a drawn one.
  public struct Neighbour: Codable, Sendable, Equatable {
    public var character: String
    public var codepoint: String
    public var caption: String
    public var distance: Float
    /// The training glyph as a PNG data URI.
    public var image: String
  }

  /// The neighbours of one drawn glyph, and whether it is a copy of the first.
  public struct Answer: Codable, Sendable, Equatable {
    public var neighbours: [Neighbour]
    public var copy: Bool
  }

  let search: NoveltySearch
  let size: Int
  let codepoints: [UInt32]
  let captions: [String]
  let images: [UInt8]
  /// Distances below this are copies.
  public let copyThreshold: Float

  /// The training split of `dataset`, box-downsampled to `size` when it is larger.
  public init(dataset: GlyphDataset, size: Int) throws {
    guard GlyphDownsample.divides(from: dataset.size, to: size) else {
      throw RequestError.invalid(
        field: "dataset",
        "\(dataset.size) px glyphs cannot be box-downsampled to the model's \(size) px")
    }
    let pixels = dataset.size * dataset.size
    func glyphs(_ split: DatasetSplit) -> (indices: [Int], bytes: [UInt8]) {
      let indices = dataset.splits.indices.filter { dataset.splits[$0] == split }
      var bytes: [UInt8] = []
      bytes.reserveCapacity(indices.count * pixels)
      for i in indices { bytes += dataset.images[(i * pixels)..<((i + 1) * pixels)] }
      return (
        indices, GlyphDownsample.box(bytes, count: indices.count, from: dataset.size, to: size)
      )
    }
    let train = glyphs(.train)
    guard !train.indices.isEmpty else {
      throw RequestError.invalid(
        field: "dataset", "no training glyphs in \(dataset.directory.path)")
    }
    self.size = size
    search = NoveltySearch(training: train.bytes, count: train.indices.count, pixels: size * size)
    codepoints = train.indices.map { dataset.codepoints[$0] }
    captions = train.indices.map { dataset.captions[$0] }
    images = train.bytes
    let heldOut = glyphs(.validation)
    copyThreshold = NoveltySearch.threshold(
      heldOut: search.nearest(heldOut.bytes, count: heldOut.indices.count))
  }

  /// The `k` nearest training glyphs of each of `glyphs` (greyscale, the model's size or a
  /// multiple of it).
  public func answers(_ glyphs: [RasterImage], k: Int = 3) -> [Answer] {
    guard !glyphs.isEmpty else { return [] }
    // Glyphs from the super-resolution stage are compared at the model's size, box-downsampled
    // as every small-glyph consumer sees them.
    let side = glyphs[0].width
    let bytes =
      side != size && GlyphDownsample.divides(from: side, to: size)
      ? GlyphDownsample.box(glyphs.flatMap(\.pixels), count: glyphs.count, from: side, to: size)
      : glyphs.flatMap(\.pixels)
    return search.nearest(bytes, count: glyphs.count, k: min(k, codepoints.count)).map { row in
      Answer(
        neighbours: row.map { match in
          let pixels = Array(
            images[(match.index * size * size)..<((match.index + 1) * size * size)])
          let png =
            (try? PNGEncoder.encode(
              RasterImage(width: size, height: size, format: .grey, pixels: pixels))) ?? []
          return Neighbour(
            character: String(Character(Unicode.Scalar(codepoints[match.index]) ?? "?")),
            codepoint: codepointLabel(codepoints[match.index]), caption: captions[match.index],
            distance: match.distance,
            image: "data:image/png;base64," + Data(png).base64EncodedString())
        },
        copy: (row.first?.distance ?? .infinity) < copyThreshold)
    }
  }
}
