import GlyphData
import Tensors

/// Glyph pixels → judge inputs and judge outputs for whole sets, in batches.
extension GlyphJudge {
  /// What the judge computed for a set of glyphs, as plain arrays (row-major).
  public struct Readout: Sendable {
    public var count: Int
    public var featureDim: Int
    /// `[count, featureDim]`.
    public var features: [Float]
    /// `[count, 214]` radical logits.
    public var logits: [Float]
    /// Predicted total strokes.
    public var strokes: [Float]

    /// Classes (radical − 1) by descending logit, the first `k`.
    public func topClasses(_ i: Int, k: Int) -> [Int] {
      let row = logits[(i * 214)..<((i + 1) * 214)]
      return Array(
        row.indices.sorted { row[$0] > row[$1] || row[$0] == row[$1] && $0 < $1 }.prefix(k)
          .map { $0 - i * 214 })
    }
  }

  /// Greyscale bytes (255 = paper) of `count` images `size` px → `[count, S, S, 1]` in [−1, 1]
  /// at the judge's size (box-downsampled when larger).
  public func inputs(_ pixels: [UInt8], count: Int, size: Int) throws -> Tensor {
    let s = config.imageSize
    guard GlyphDownsample.divides(from: size, to: s) else {
      throw EvaluationError.invalidOption(
        "the judge reads \(s) px glyphs; \(size) px images cannot be box-downsampled to it")
    }
    let small = GlyphDownsample.box(pixels, count: count, from: size, to: s)
    return Tensor(shape: [count, s, s, 1], scalars: small.map { Float($0) / 127.5 - 1 })
  }

  /// Runs the judge on `[N, S, S, 1]` images in [−1, 1], `batch` at a time, in fp32 (the judge
  /// is a fixed yardstick: its numbers must not depend on whether the CPU has bf16), without
  /// gradients.
  public func read(_ images: Tensor, batch: Int = 256) -> Readout {
    let n = images.shape[0]
    var out = Readout(
      count: n, featureDim: config.featureDim, features: [], logits: [], strokes: [])
    out.features.reserveCapacity(n * config.featureDim)
    out.logits.reserveCapacity(n * config.radicals)
    ComputePrecision.with(.f32) {
      withNoGrad {
        var start = 0
        while start < n {
          let end = min(n, start + batch)
          let o = self(images.slice(axis: 0, range: start..<end).contiguous())
          out.features += o.features.scalars
          out.logits += o.radicalLogits.scalars
          out.strokes += o.strokes.scalars.map { $0 * config.strokeScale }
          start = end
        }
      }
    }
    return out
  }
}
