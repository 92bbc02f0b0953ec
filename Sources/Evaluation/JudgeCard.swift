import Foundation
import GlyphData

/// The judge's `README.md`: what it is, how accurate it is on real glyphs it never saw, and the
/// exact command that made it.
public enum JudgeCard {
  public static func markdown(
    config: JudgeConfig, parameters: Int, steps: Int, seconds: Double, command: String,
    dataset: String, validation: JudgeAccuracy, weightsSHA256: String, threads: Int
  ) -> String {
    var s = """
      # Glyph judge (\(config.imageSize) px)

      A small convolutional classifier that names the Kangxi radical (214 classes) of a \
      \(config.imageSize) × \(config.imageSize) glyph and regresses its total stroke count. \
      `glyffuser eval` scores generated glyphs with it (radical adherence) and measures \
      distances in its \(config.featureDim)-d penultimate features (FD, KID, precision/recall, \
      novelty), so every report is made with the same fixed yardstick.

      - Architecture: six 3×3 convolutions (\(config.channels.map(String.init).joined(separator: "-")) \
      channels, stride 2 at the 2nd, 4th and 6th), GroupNorm(\(config.groups)) + SiLU, flatten, \
      linear → \(config.featureDim) + SiLU (the features), linear heads for radical and strokes; \
      \(parameters) parameters, stored as fp16 (`judge.safetensors`, SHA-256 `\(weightsSHA256)`).
      - Trained with Glyffuser's own engine in fp32 on the training split of `\(dataset)` \
      (Unihan `kRSUnicode` radicals, `kTotalStrokes`), \(steps) AdamW steps, augmented with \
      random shifts (±2 px), scales (±10 %), thicker/thinner strokes, blur and noise, in \
      \(String(format: "%.0f", seconds)) s.
      - Reproduce (same thread count gives the same bits; this one ran on \(threads) threads): \
      `glyffuser dataset build --size \(config.imageSize) --out \(dataset)`, then `\(command)`

      ## Accuracy on the validation split (\(validation.count) real glyphs never trained on)

      | | value |
      |---|---|
      | radical top-1 | \(pct(validation.top1)) |
      | radical top-5 | \(pct(validation.top5)) |
      | top-1 over the 30 most frequent radicals | \(pct(validation.frequentTop1)) |
      | stroke count, mean absolute error | \(String(format: "%.2f", validation.strokeMAE)) |

      Per radical (the 30 most frequent in the validation split):

      | radical | glyphs | top-1 |
      |---|---|---|

      """
    for r in validation.frequent {
      s +=
        "| \(r.radical) \(GlyphLabels.radicalSymbol(r.radical)) | \(r.count) | \(pct(r.top1)) |\n"
    }
    return s
  }

  static func pct(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
}
