import Foundation
import Testing

@testable import GlyphData
@testable import Imaging

private func sampleOptions(size: Int = 32) -> DatasetBuildOptions {
  var options = DatasetBuildOptions()
  options.size = size
  options.unihanPath = samplePath
  options.labelsPath = fixture("Unihan_IRGSources_sample.txt")
  options.selection = .withExtensions
  return options
}

/// The bytes of every file in `dir`, by name: to show a data set was left untouched.
private func snapshot(_ dir: URL) throws -> [String: Data] {
  var files: [String: Data] = [:]
  for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
    files[name] = try Data(contentsOf: dir.appendingPathComponent(name))
  }
  return files
}

private func siblings(of dir: URL) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path).sorted()
}

@Suite(.enabled(if: notoInstalled, "needs fonts-noto-cjk"))
struct DatasetBuilderTests {
  @Test func buildsImagefolderAndShardFromTheSample() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("glyphs-32")
    let report = try DatasetBuilder.build(sampleOptions(), to: out)
    let m = report.manifest
    // 28 definitions; U+3B4D, U+4570, U+4605, U+6BCC clean to empty; the two
    // Extension B characters U+20000 and U+20009 have no glyph in Noto Sans CJK SC.
    #expect(m.definitions == 28)
    #expect(m.emptyCaptions == ["U+3B4D", "U+4570", "U+4605", "U+6BCC"])
    #expect(m.missingGlyphs == ["U+20000", "U+20009"])
    #expect(m.blankGlyphs.isEmpty)
    #expect(m.count == 22 && m.trainCount + m.validationCount == 22)
    #expect(m.fontFamily == "Noto Sans CJK SC" && m.margin == 2)

    // metadata.jsonl: one JSON object per PNG, imagefolder columns.
    let lines = try String(
      contentsOf: out.appendingPathComponent("metadata.jsonl"), encoding: .utf8
    )
    .split(separator: "\n")
    #expect(lines.count == 22)
    let dataset = try GlyphDataset(contentsOf: out)
    #expect(dataset.count == 22 && dataset.size == 32 && dataset.images.count == 22 * 32 * 32)
    for (i, line) in lines.enumerated() {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      // The imagefolder columns are strings; the evaluation labels are integers.
      let row = object.compactMapValues { $0 as? String }
      #expect(
        Set(object.keys) == [
          "file_name", "caption", "character", "codepoint", "split", "radical", "strokes",
        ])
      #expect(object["radical"] as? Int == dataset.radicals?[i])
      #expect(object["strokes"] as? Int == dataset.strokes?[i])
      let cp = dataset.codepoints[i]
      #expect(row["file_name"] == pngFileName(cp))
      #expect(row["codepoint"] == codepointLabel(cp))
      #expect(row["character"] == String(Character(Unicode.Scalar(cp)!)))
      #expect(row["caption"] == dataset.captions[i])
      #expect(
        row["split"] == DatasetSplit.of(cp).rawValue && dataset.splits[i] == DatasetSplit.of(cp))
      // The PNG decodes to exactly the shard's image.
      let png = try PNGDecoder.decode(contentsOf: out.appendingPathComponent(pngFileName(cp)))
      #expect(png == dataset.image(at: i))
    }
    let gold = try #require(dataset.index(of: 0x91D1))
    #expect(dataset.captions[gold] == "gold; metals in general; money; Kangxi radical 167")
    #expect(dataset.captions[try #require(dataset.index(of: 0x3400))] == "hillock or mound")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).count == 22 + 3)
    #expect(try siblings(of: out) == ["glyphs-32"])  // no temporary directories left
  }

  @Test func buildIsDeterministicAndSplitsDoNotDependOnSize() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let a = scratch.appendingPathComponent("a")
    let b = scratch.appendingPathComponent("b")
    let c = scratch.appendingPathComponent("c")
    _ = try DatasetBuilder.build(sampleOptions(size: 24), to: a)
    var oneThread = sampleOptions(size: 24)
    oneThread.threads = 1
    _ = try DatasetBuilder.build(oneThread, to: b)  // byte-identical whatever the thread count
    _ = try DatasetBuilder.build(sampleOptions(size: 40), to: c)
    #expect(try snapshot(a) == snapshot(b))
    let small = try GlyphDataset(contentsOf: a)
    let large = try GlyphDataset(contentsOf: c)
    #expect(small.codepoints == large.codepoints && small.splits == large.splits)
  }

  @Test func rebuildReplacesThePreviousDataSet() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("ds")
    _ = try DatasetBuilder.build(sampleOptions(size: 32), to: out)
    var options = sampleOptions(size: 16)
    options.limit = 5
    let report = try DatasetBuilder.build(options, to: out)
    #expect(report.manifest.count == 5)
    #expect(try GlyphDataset(contentsOf: out).size == 16)
    #expect(try siblings(of: out) == ["ds"])
  }

  @Test func badInputLeavesThePreviousDataSetIntact() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("ds")
    _ = try DatasetBuilder.build(sampleOptions(), to: out)
    let before = try snapshot(out)
    let notAFont = scratch.appendingPathComponent("font.ttf")
    try Data("plain text".utf8).write(to: notAFont)

    var missingFont = sampleOptions()
    missingFont.fontPath = "/nonexistent/font.otf"
    #expect(throws: GlyphDataError.fontNotFound(path: "/nonexistent/font.otf")) {
      try DatasetBuilder.build(missingFont, to: out)
    }
    var badFont = sampleOptions()
    badFont.fontPath = notAFont.path
    #expect(throws: GlyphDataError.notAFont(path: notAFont.path)) {
      try DatasetBuilder.build(badFont, to: out)
    }
    var malformed = sampleOptions()
    malformed.unihanPath = fixture("Unihan_Readings_malformed.txt")
    #expect(
      throws: GlyphDataError.malformedUnihan(
        path: malformed.unihanPath, line: 40, reason: "expected 3 tab-separated fields")
    ) { try DatasetBuilder.build(malformed, to: out) }
    // A build that dies half-way (as on a full disk or ^C) after writing some PNGs.
    var interrupted = sampleOptions()
    interrupted.threads = 1
    interrupted.failAfter = 10
    #expect(throws: GlyphDataError.self) { try DatasetBuilder.build(interrupted, to: out) }

    var cancelled = sampleOptions()
    cancelled.shouldStop = { true }
    #expect(throws: GlyphDataError.cancelled) { try DatasetBuilder.build(cancelled, to: out) }

    #expect(try snapshot(out) == before)
    #expect(try siblings(of: out) == ["ds", "font.ttf"])
  }

  @Test func outputThatIsAFileOrAForeignDirectoryIsRefused() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let file = scratch.appendingPathComponent("notes.txt")
    try Data("keep me".utf8).write(to: file)
    #expect(throws: GlyphDataError.outputIsFile(path: file.path)) {
      try DatasetBuilder.build(sampleOptions(), to: file)
    }
    #expect(try Data(contentsOf: file) == Data("keep me".utf8))
    let foreign = scratch.appendingPathComponent("photos")
    try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: false)
    try Data("x".utf8).write(to: foreign.appendingPathComponent("a.jpg"))
    #expect(throws: GlyphDataError.outputNotADataset(path: foreign.path)) {
      try DatasetBuilder.build(sampleOptions(), to: foreign)
    }
  }

  @Test func corruptShardIsReportedByTheReader() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    #expect(throws: GlyphDataError.self) { try GlyphDataset(contentsOf: scratch) }
    try Data("not safetensors".utf8).write(to: scratch.appendingPathComponent("glyphs.safetensors"))
    #expect(throws: GlyphDataError.self) { try GlyphDataset(contentsOf: scratch) }
  }

  @Test func labelsAreStoredInMetadataAndShard() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("glyphs-32")
    let report = try DatasetBuilder.build(sampleOptions(), to: out)
    #expect(report.manifest.labelSource == fixture("Unihan_IRGSources_sample.txt"))
    #expect(report.manifest.unlabelled == [])
    let data = try GlyphDataset(contentsOf: out)
    let labels = try data.requireLabels()
    let gold = try #require(data.index(of: 0x91D1))
    #expect(labels.radicals[gold] == 167 && labels.strokes[gold] == 8)
    let lines = try String(
      contentsOf: out.appendingPathComponent("metadata.jsonl"), encoding: .utf8
    )
    .split(separator: "\n")
    let goldLine = try #require(lines.first { $0.contains("\"U+91D1\"") })
    #expect(goldLine.hasSuffix("\"radical\": 167, \"strokes\": 8}"))
  }

  @Test func aDataSetWithoutLabelsNamesTheRebuildCommand() throws {
    let scratch = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("old")
    var options = sampleOptions()
    options.labelsPath = nil
    _ = try DatasetBuilder.build(options, to: out)
    let data = try GlyphDataset(contentsOf: out)
    #expect(data.radicals == nil)
    do {
      _ = try data.requireLabels()
      Issue.record("expected an error")
    } catch let error as GlyphDataError {
      #expect(error.description.contains("glyffuser dataset build --size 32 --out"))
      #expect(error.description.contains(out.path))
    }
  }

}

@Test func validationSplitIsAboutFivePercentAndStable() {
  let all = (UInt32(0x3400)...0x9FFF).map(DatasetSplit.of)
  let fraction = Double(all.filter { $0 == .validation }.count) / Double(all.count)
  #expect(fraction > 0.045 && fraction < 0.055)
  // splitmix64(0x91D1) mod 100 = 17 (Python, 64-bit masked ints): train.
  #expect(DatasetSplit.splitmix64(0x91D1) % 100 == 17)
  #expect(DatasetSplit.of(0x91D1) == .train)
}
