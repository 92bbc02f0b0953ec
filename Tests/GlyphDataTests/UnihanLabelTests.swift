import Foundation
import Testing

@testable import GlyphData

private func sampleLabels() throws -> [UInt32: GlyphLabels] {
  let path = fixture("Unihan_IRGSources_sample.txt")
  return try UnihanParser.labels(
    in: try UnihanSource.text(at: path), path: path, selection: .withExtensions)
}

@Test func labelsComeFromKRSUnicodeAndKTotalStrokes() throws {
  let labels = try sampleLabels()
  #expect(labels[0x91D1] == GlyphLabels(radical: 167, strokes: 8))  // 金 167.0
  #expect(labels[0x4E00] == GlyphLabels(radical: 1, strokes: 1))
  #expect(labels[0x20009]?.radical == 1)  // Extension B, selected
}

@Test func simplifiedRadicalMarkKeepsTheRadicalNumber() throws {
  let labels = try sampleLabels()
  #expect(labels[0x9485] == GlyphLabels(radical: 167, strokes: 5))  // 钅 167'.0
  #expect(labels[0x4982]?.radical == 167)  // 167'.10
  #expect(UnihanParser.radicalNumber("120''.3") == 120)
  #expect(UnihanParser.radicalNumber("85.5") == 85)
  #expect(UnihanParser.radicalNumber("9.-1") == 9)
}

@Test func multiValuedEntriesUseTheFirstValue() throws {
  let labels = try sampleLabels()
  #expect(labels[0x3687]?.radical == 35)  // "35.6 66.6"
  #expect(labels[0x8303]?.strokes == 8)  // "8 9"
}

@Test(arguments: ["215.0", "0.3", "x.1", "85", "85.", "'.2", ""])
func badRadicalValuesAreRejected(value: String) {
  #expect(UnihanParser.radicalNumber(value) == nil)
}

@Test func malformedLabelLineIsReportedWithItsNumber() throws {
  let path = fixture("Unihan_IRGSources_malformed.txt")
  #expect(throws: GlyphDataError.self) {
    try UnihanParser.labels(in: try UnihanSource.text(at: path), path: path)
  }
  do {
    _ = try UnihanParser.labels(in: try UnihanSource.text(at: path), path: path)
  } catch let error as GlyphDataError {
    #expect(error.description.contains("Unihan_IRGSources_malformed.txt:3"))
    #expect(error.description.contains("kRSUnicode"))
  }
}

@Test(.enabled(if: unihanInstalled, "needs unicode-data"))
func everyDefinedCharacterOfDebiansUnihanHasLabels() throws {
  let path = UnihanSource.labelsPath
  let labels = try UnihanParser.labels(in: try UnihanSource.text(at: path), path: path)
  let defs = try UnihanParser.definitions(
    in: try UnihanSource.text(at: UnihanSource.defaultPath), path: UnihanSource.defaultPath)
  #expect(defs.allSatisfy { labels[$0.codepoint] != nil })
  #expect(Set(labels.values.map(\.radical)).count == 214)
}

@Test func radicalSymbolsAreTheKangxiRadicalsBlock() {
  #expect(GlyphLabels.radicalSymbol(1) == "\u{2F00}")
  #expect(GlyphLabels.radicalSymbol(167) == "\u{2FA6}")  // ⾦ KANGXI RADICAL GOLD
  #expect(GlyphLabels.radicalSymbol(214) == "\u{2FD5}")
  #expect(GlyphLabels.radicalSymbol(0) == "?")
}
