import Foundation
import Imaging
import Tensors

/// A built data set loaded in one go from its `glyphs.safetensors` shard: for training.
public struct GlyphDataset: Sendable {
  /// count × size × size bytes, row-major, 0 = black ink, 255 = white.
  public let images: [UInt8]
  public let count: Int
  /// Images are size × size.
  public let size: Int
  public let captions: [String]
  public let codepoints: [UInt32]
  public let splits: [DatasetSplit]
  /// Kangxi radical (1–214) per glyph, 0 where unknown; nil for a data set built without labels.
  public let radicals: [Int]?
  /// Total stroke count per glyph, 0 where unknown; nil without labels.
  public let strokes: [Int]?
  /// The directory the data set was read from.
  public let directory: URL

  /// Reads `directory/glyphs.safetensors` and checks that every list has `count` entries.
  public init(contentsOf directory: URL) throws {
    let url = directory.appendingPathComponent(DatasetBuilder.shardFileName)
    func fail(_ why: String) -> GlyphDataError { .malformedDataset(path: url.path, reason: why) }
    let file: SafeTensorsFile
    do {
      file = try SafeTensorsFile(contentsOf: url)
    } catch {
      throw fail("\(error)")
    }
    guard let info = try? file.info("images") else { throw fail("no tensor \"images\"") }
    guard info.dtype == .u8, info.shape.count == 3, info.shape[1] == info.shape[2] else {
      throw fail("\"images\" is \(info.dtype) \(info.shape), expected U8 [N, S, S]")
    }
    guard let json = file.metadata[DatasetBuilder.shardMetadataKey] else {
      throw fail("metadata key \"\(DatasetBuilder.shardMetadataKey)\" missing")
    }
    let meta: ShardMetadata
    do {
      meta = try JSONDecoder().decode(ShardMetadata.self, from: Data(json.utf8))
    } catch {
      throw fail("metadata \(DecodingErrorText.describe(error))")
    }
    let count = info.shape[0]
    if let size = meta.size, size != info.shape[1] {
      throw fail("metadata size \(size) but the images are \(info.shape[1]) px")
    }
    let (cps, captions, splitNames) = (meta.codepoints, meta.captions, meta.splits)
    guard cps.count == count, captions.count == count, splitNames.count == count else {
      throw fail(
        "\(count) images but \(cps.count) codepoints, \(captions.count) captions, "
          + "\(splitNames.count) splits")
    }
    var splits: [DatasetSplit] = []
    splits.reserveCapacity(count)
    for (i, name) in splitNames.enumerated() {
      guard let split = DatasetSplit(rawValue: name) else { throw fail("splits[\(i)] = \(name)") }
      splits.append(split)
    }
    guard cps.allSatisfy({ $0 >= 0 && $0 <= 0x10FFFF }) else { throw fail("code point range") }
    let radicals = meta.radicals
    let strokes = meta.strokes
    if radicals != nil || strokes != nil {
      guard let radicals, let strokes, radicals.count == count, strokes.count == count else {
        throw fail("fields radicals and strokes must be lists of \(count) integers")
      }
      guard radicals.allSatisfy({ (0...214).contains($0) }) else {
        throw fail("radicals must be 0 (unknown) or 1–214")
      }
      guard strokes.allSatisfy({ (0...99).contains($0) }) else {
        throw fail("strokes must be 0 (unknown) or 1–99")
      }
    }
    self.radicals = radicals
    self.strokes = strokes
    self.directory = directory
    self.images = try file.uint8s("images")
    self.count = count
    self.size = info.shape[1]
    self.captions = captions
    self.codepoints = cps.map { UInt32($0) }
    self.splits = splits
  }

  /// The radical and stroke labels, or an error naming the command that rebuilds the data set
  /// with them (data sets built before labels existed have none).
  public func requireLabels() throws -> (radicals: [Int], strokes: [Int]) {
    guard let radicals, let strokes else {
      throw GlyphDataError.malformedDataset(
        path: directory.path,
        reason: "no radical/stroke labels (built by an older glyffuser); rebuild it with "
          + "`glyffuser dataset build --size \(size) --out \(directory.path)`")
    }
    return (radicals, strokes)
  }

  /// The bytes of the images at `indices`, one after another.
  public func pixels(of indices: [Int]) -> [UInt8] {
    let n = size * size
    var out: [UInt8] = []
    out.reserveCapacity(indices.count * n)
    for i in indices { out += images[(i * n)..<((i + 1) * n)] }
    return out
  }

  /// Image `index` as a greyscale raster.
  public func image(at index: Int) -> RasterImage {
    let n = size * size
    return RasterImage(
      width: size, height: size, format: .grey,
      pixels: Array(images[(index * n)..<((index + 1) * n)]))
  }

  /// Positions of `codepoint`, or nil.
  public func index(of codepoint: UInt32) -> Int? { codepoints.firstIndex(of: codepoint) }

  /// Positions of the items in `split`, in data-set order.
  public func indices(in split: DatasetSplit) -> [Int] {
    splits.indices.filter { splits[$0] == split }
  }
}
