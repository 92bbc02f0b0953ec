import Foundation
import Testing

@testable import GlyphData

private func sampleDefinitions(
  _ name: String, _ selection: CodePointSelection = .basic
) throws -> [UnihanDefinition] {
  let path = fixture(name)
  return try UnihanParser.definitions(
    in: try UnihanSource.text(at: path), path: path, selection: selection)
}

@Test func parsesKDefinitionLinesOfTheSample() throws {
  let defs = try sampleDefinitions("Unihan_Readings_sample.txt")
  // The sample has 28 kDefinition lines, 26 in U+3400–U+9FFF (two are Extension B).
  #expect(defs.count == 26)
  #expect(defs.map(\.codepoint) == defs.map(\.codepoint).sorted())
  let gold = try #require(defs.first { $0.codepoint == 0x91D1 })
  #expect(gold.definition == "gold; metals in general; money; Kangxi radical 167")
  let first = try #require(defs.first)
  #expect(first.codepoint == 0x3400 && first.line == 30)
  #expect(first.definition == "(same as U+4E18 丘) hillock or mound")
}

@Test func extensionSelectionAddsSupplementaryIdeographs() throws {
  let defs = try sampleDefinitions("Unihan_Readings_sample.txt", .withExtensions)
  #expect(defs.count == 28)
  #expect(defs.suffix(2).map(\.codepoint) == [0x20000, 0x20009])
}

@Test(arguments: [
  "Unihan_Readings_sample.txt.bz2", "Unihan_sample_deflate.zip", "Unihan_sample_stored.zip",
])
func compressedSourcesGiveTheSameDefinitions(name: String) throws {
  let plain = try UnihanSource.text(at: samplePath)
  #expect(try UnihanSource.text(at: fixture(name)) == plain)
  #expect(try sampleDefinitions(name) == sampleDefinitions("Unihan_Readings_sample.txt"))
}

@Test(.enabled(if: unihanInstalled, "needs unicode-data"))
func readsDebiansRealUnihanFileThroughLibbz2() throws {
  let path = UnihanSource.defaultPath
  let defs = try UnihanParser.definitions(in: try UnihanSource.text(at: path), path: path)
  // unicode-data 15.0.0: 20,509 kDefinition entries in U+3400–U+9FFF (counted with bzcat|awk).
  #expect(defs.count == 20509)
}

@Test func malformedLineIsReportedWithItsNumber() throws {
  let path = fixture("Unihan_Readings_malformed.txt")
  #expect(
    throws: GlyphDataError.malformedUnihan(
      path: path, line: 40, reason: "expected 3 tab-separated fields")
  ) {
    try UnihanParser.definitions(in: try UnihanSource.text(at: path), path: path)
  }
  let error = GlyphDataError.malformedUnihan(path: path, line: 40, reason: "x")
  #expect(error.description.contains("Unihan_Readings_malformed.txt:40"))
}

@Test func otherMalformedLines() throws {
  func parse(_ text: String) throws {
    _ = try UnihanParser.definitions(in: Array(text.utf8), path: "t.txt")
  }
  #expect(
    throws: GlyphDataError.malformedUnihan(
      path: "t.txt", line: 2, reason: "bad code point \"X+3400\"")
  ) {
    try parse("# c\nX+3400\tkDefinition\tx\n")
  }
  #expect(
    throws: GlyphDataError.malformedUnihan(
      path: "t.txt", line: 1, reason: "bad field name \"Definition\"")
  ) {
    try parse("U+3400\tDefinition\tx\n")
  }
  #expect(
    throws: GlyphDataError.malformedUnihan(
      path: "t.txt", line: 1, reason: "bad code point \"U+110000\"")
  ) {
    try parse("U+110000\tkDefinition\tx\n")
  }
  #expect(
    throws: GlyphDataError.malformedUnihan(
      path: "t.txt", line: 3, reason: "value is not valid UTF-8")
  ) {
    _ = try UnihanParser.definitions(
      in: Array("\n\nU+3400\tkDefinition\t".utf8) + [0xFF, 0x0A], path: "t.txt")
  }
  // CRLF line ends and blank lines are accepted.
  let defs = try UnihanParser.definitions(
    in: Array("\r\nU+3400\tkDefinition\tmound\r\n".utf8), path: "t")
  #expect(defs == [UnihanDefinition(codepoint: 0x3400, definition: "mound", line: 2)])
}

@Test func missingAndCorruptSourcesGiveTypedErrors() throws {
  #expect(throws: GlyphDataError.fileNotFound(path: "/nonexistent/Unihan.txt")) {
    try UnihanSource.text(at: "/nonexistent/Unihan.txt")
  }
  let dir = try makeScratchDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  // A zip whose member data is damaged: the CRC check (or inflate) catches it.
  var zip = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("Unihan_sample_stored.zip"))))
  zip[200] ^= 0x55
  let damaged = dir.appendingPathComponent("damaged.zip")
  try Data(zip).write(to: damaged)
  #expect(
    throws: GlyphDataError.corruptArchive(
      path: damaged.path, reason: "Unihan_Readings.txt: CRC mismatch")
  ) {
    try UnihanSource.text(at: damaged.path)
  }
  // A truncated bzip2 stream.
  let bz = [UInt8](
    try Data(contentsOf: URL(fileURLWithPath: fixture("Unihan_Readings_sample.txt.bz2"))))
  let truncated = dir.appendingPathComponent("cut.txt.bz2")
  try Data(bz[0..<(bz.count / 2)]).write(to: truncated)
  #expect(throws: GlyphDataError.self) { try UnihanSource.text(at: truncated.path) }
}
