import Foundation
import GlyphData

/// A failure at run time (bad input files, write errors): printed as "Error: …", exit code 1,
/// without the usage text ArgumentParser adds to `ValidationError`.
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The text `glyffuser dataset info` prints.
struct DatasetSummary {
  let manifest: DatasetManifest
  let dataset: GlyphDataset

  var text: String {
    let m = manifest
    var lines: [String] = []
    lines.append(
      "glyphs: \(dataset.count) at \(dataset.size)x\(dataset.size) (margin \(m.margin), \(m.centering) centring)"
    )
    lines.append("split: \(m.trainCount) train, \(m.validationCount) validation")
    lines.append("font: \(m.fontFamily) (face \(m.fontFaceIndex) of \(m.fontPath))")
    lines.append(
      "unihan: \(m.unihanSource), ranges \(m.ranges.joined(separator: ", "))"
        + (m.limit.map { ", limit \($0)" } ?? ""))
    lines.append("definitions in range: \(m.definitions)")
    let chars = dataset.captions.map(\.count).sorted()
    let words = dataset.captions.map { $0.split(separator: " ").count }.sorted()
    if !chars.isEmpty {
      func stats(_ v: [Int]) -> String {
        let mean = Double(v.reduce(0, +)) / Double(v.count)
        let p95 = v[min(v.count - 1, Int(Double(v.count) * 0.95))]
        return "min \(v.first!), median \(v[v.count / 2]), mean "
          + String(format: "%.1f", mean) + ", p95 \(p95), max \(v.last!)"
      }
      lines.append("caption characters: \(stats(chars))")
      lines.append("caption words: \(stats(words))")
    }
    func list(_ name: String, _ items: [String]) {
      let shown = items.prefix(12).joined(separator: " ")
      lines.append(
        "skipped, \(name): \(items.count)"
          + (items.isEmpty ? "" : " (\(shown)\(items.count > 12 ? " …" : ""))"))
    }
    list("empty caption", m.emptyCaptions)
    list("not in font", m.missingGlyphs)
    list("blank glyph", m.blankGlyphs)
    lines += radicalHistogram
    return lines.joined(separator: "\n")
  }

  /// The radical labels: coverage and the most frequent radicals as a bar chart.
  var radicalHistogram: [String] {
    guard let radicals = dataset.radicals else {
      return [
        "labels: none (rebuild with `glyffuser dataset build` to get radical and stroke labels)"
      ]
    }
    var counts = [Int](repeating: 0, count: 215)
    for r in radicals { counts[r] += 1 }
    let present = (1...214).filter { counts[$0] > 0 }.count
    var lines = [
      "labels: \(present) of 214 radicals present, \(counts[0]) glyphs unlabelled"
        + (manifest.labelSource.map { " (from \($0))" } ?? "")
    ]
    let top = (1...214).sorted { counts[$0] > counts[$1] || counts[$0] == counts[$1] && $0 < $1 }
      .prefix(30)
    let most = max(counts[top.first ?? 1], 1)
    lines.append("radical histogram (30 most frequent of \(radicals.count) glyphs):")
    for r in top where counts[r] > 0 {
      let bar = String(repeating: "█", count: max(1, counts[r] * 40 / most))
      let share = Double(counts[r]) * 100 / Double(max(radicals.count, 1))
      lines.append(
        String(format: "  %3d ", r) + GlyphLabels.radicalSymbol(r)
          + String(format: " %5d %4.1f %% ", counts[r], share) + bar)
    }
    return lines
  }
}
