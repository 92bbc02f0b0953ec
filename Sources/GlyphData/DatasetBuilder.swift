import Foundation
import JobControl
import Tensors

/// Settings of one data-set build.
public struct DatasetBuildOptions: Sendable {
  public var size = 128
  /// Pixels of white around the em box; nil: size / 16.
  public var margin: Int?
  public var centering = GlyphCentering.emBox
  public var fontPath = FontFace.defaultPath
  /// Family to pick from a collection; nil: Noto Sans CJK SC if present, else the first face.
  public var fontFamily: String?
  public var unihanPath = UnihanSource.defaultPath
  /// Unihan file with `kRSUnicode` / `kTotalStrokes` (radical and stroke labels for
  /// evaluation); nil builds a data set without labels.
  public var labelsPath: String? = UnihanSource.labelsPath
  public var selection = CodePointSelection.basic
  /// Keep only the first `limit` characters (code point order) that have a caption.
  public var limit: Int?
  public var threads = 2
  /// zlib level for the PNGs (1: fastest).
  public var pngLevel: Int32 = 1
  /// Polled while rendering; returning true stops the build (`GlyphDataError.cancelled`),
  /// removing its temporary directory. The CLI sets it from SIGINT/SIGTERM.
  public var shouldStop: StopRequest?
  /// Testing hook: fail after this many glyphs, as an interrupted build would.
  var failAfter: Int?

  public init() {}

  public var resolvedMargin: Int { margin ?? size / 16 }
}

/// What a build produced.
public struct DatasetBuildReport: Sendable {
  public let manifest: DatasetManifest
  public let directory: URL
  /// Wall-clock seconds per phase, in order.
  public let phases: [(name: String, seconds: Double)]
}

/// Builds a glyph data set directory:
/// - `<HEX>.png` per character and `metadata.jsonl` (`file_name`, `caption`, `character`,
///   `codepoint`, `split`, and `radical`, `strokes` where known): Hugging Face `imagefolder`
///   layout;
/// - `glyphs.safetensors`: uint8 tensor `images` [N, H, W] plus metadata key `glyffuser`, a JSON
///   object with `codepoints`, `captions`, `splits`, `radicals`, `strokes` in the same order
///   (read by `GlyphDataset`; 0 where a label is unknown);
/// - `glyffuser-dataset.json`: the `DatasetManifest`.
///
/// Atomic: everything is written into a hidden sibling directory which replaces the target by
/// rename only once complete; on any error it is removed and a previous data set stays as it was.
public enum DatasetBuilder {
  public static let shardFileName = "glyphs.safetensors"
  public static let metadataFileName = "metadata.jsonl"
  public static let shardMetadataKey = "glyffuser"

  public static func build(
    _ options: DatasetBuildOptions, to target: URL,
    progress: ProgressHandler? = nil
  ) throws -> DatasetBuildReport {
    guard options.size >= 16 else {
      throw GlyphDataError.invalidOption("--size must be at least 16, got \(options.size)")
    }
    if let limit = options.limit, limit < 1 {
      throw GlyphDataError.invalidOption("--limit must be positive, got \(limit)")
    }
    var phases: [(name: String, seconds: Double)] = []
    var clock = Date()
    func lap(_ name: String) {
      let now = Date()
      phases.append((name, now.timeIntervalSince(clock)))
      clock = now
    }
    let target = target.standardizedFileURL
    try checkTarget(target)
    let font = try FontFace.locate(path: options.fontPath, family: options.fontFamily)
    // Fail on a bad size/margin/font before reading anything else.
    _ = try GlyphRenderer(
      font: font, size: options.size, margin: options.resolvedMargin, centering: options.centering)

    lap("check font and output")
    let text = try UnihanSource.text(at: options.unihanPath)
    lap("read Unihan")
    let definitions = try UnihanParser.definitions(
      in: text, path: options.unihanPath, selection: options.selection)
    lap("parse")
    guard !definitions.isEmpty else {
      throw GlyphDataError.noDefinitions(path: options.unihanPath)
    }
    var labels: [UInt32: GlyphLabels]? = nil
    if let labelsPath = options.labelsPath {
      labels = try UnihanParser.labels(
        in: try UnihanSource.text(at: labelsPath, member: "Unihan_IRGSources.txt"),
        path: labelsPath, selection: options.selection)
      lap("radical and stroke labels")
    }
    var candidates: [(UInt32, String)] = []
    var emptyCaptions: [UInt32] = []
    for d in definitions {
      if let limit = options.limit, candidates.count >= limit { break }
      let caption = CaptionCleaner.clean(d.definition)
      if caption.isEmpty {
        emptyCaptions.append(d.codepoint)
      } else {
        candidates.append((d.codepoint, caption))
      }
    }

    lap("clean captions")
    let parent = target.deletingLastPathComponent()
    try createDirectory(parent)
    removeStaleSiblings(of: target)
    let pid = ProcessInfo.processInfo.processIdentifier
    let temp = parent.appendingPathComponent(".\(target.lastPathComponent).tmp-\(pid)")
    try createDirectory(temp)
    do {
      let pool = GlyphRenderPool(
        font: font, size: options.size, margin: options.resolvedMargin,
        centering: options.centering, threads: options.threads, pngLevel: options.pngLevel,
        shouldStop: options.shouldStop, failAfter: options.failAfter)
      let (images, outcomes) = try pool.run(
        codepoints: candidates.map(\.0), directory: temp, progress: progress)
      lap("render + PNG")
      var kept: [(UInt32, String)] = []
      var missing: [UInt32] = []
      var blank: [UInt32] = []
      for (i, outcome) in outcomes.enumerated() {
        switch outcome {
        case .rendered: kept.append(candidates[i])
        case .missing: missing.append(candidates[i].0)
        case .blank: blank.append(candidates[i].0)
        }
      }
      let splits = kept.map { DatasetSplit.of($0.0) }
      let keptLabels = kept.map { labels?[$0.0] }
      try writeMetadata(kept, splits: splits, labels: keptLabels, to: temp)
      lap("metadata.jsonl")
      try writeShard(
        images, kept, splits: splits, labels: labels == nil ? nil : keptLabels,
        size: options.size, to: temp)
      lap("safetensors shard")
      let validation = splits.filter { $0 == .validation }.count
      let manifest = DatasetManifest(
        size: options.size, margin: options.resolvedMargin, centering: options.centering.rawValue,
        fontPath: font.path, fontFamily: font.familyName, fontFaceIndex: font.index,
        unihanSource: options.unihanPath,
        ranges: options.selection.ranges.map {
          codepointLabel($0.lowerBound) + "-" + codepointLabel($0.upperBound)
        },
        limit: options.limit, definitions: definitions.count, count: kept.count,
        trainCount: kept.count - validation, validationCount: validation,
        emptyCaptions: emptyCaptions.map(codepointLabel),
        missingGlyphs: missing.map(codepointLabel),
        blankGlyphs: blank.map(codepointLabel),
        labelSource: options.labelsPath,
        unlabelled: labels == nil
          ? nil : kept.indices.filter { keptLabels[$0] == nil }.map { codepointLabel(kept[$0].0) })
      try writeFile(
        try manifest.encoded(), to: temp.appendingPathComponent(DatasetManifest.fileName).path)
      try replace(target, with: temp)
      lap("swap into place")
      return DatasetBuildReport(manifest: manifest, directory: target, phases: phases)
    } catch {
      removeTree(temp)
      throw error
    }
  }

  static func writeMetadata(
    _ kept: [(UInt32, String)], splits: [DatasetSplit], labels: [GlyphLabels?], to dir: URL
  ) throws {
    // Written field by field so that the columns keep their order; each string through
    // JSONEncoder (RFC 8259 §7 escapes, non-ASCII as UTF-8).
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    func jsonString(_ s: String) throws -> String {
      String(decoding: try encoder.encode(s), as: UTF8.self)
    }
    var text = ""
    text.reserveCapacity(kept.count * 120)
    for (i, (cp, caption)) in kept.enumerated() {
      let character = String(Character(Unicode.Scalar(cp)!))
      text +=
        "{\"file_name\": \(try jsonString(pngFileName(cp))), \"caption\": \(try jsonString(caption)), "
      text +=
        "\"character\": \(try jsonString(character)), "
        + "\"codepoint\": \(try jsonString(codepointLabel(cp))), "
      text += "\"split\": \"\(splits[i].rawValue)\""
      if let l = labels[i] { text += ", \"radical\": \(l.radical), \"strokes\": \(l.strokes)" }
      text += "}\n"
    }
    try writeFile(Array(text.utf8), to: dir.appendingPathComponent(metadataFileName).path)
  }

  /// Public for fixtures: tests of other targets write small data sets with it.
  public static func writeShard(
    _ images: [UInt8], _ kept: [(UInt32, String)], splits: [DatasetSplit],
    labels: [GlyphLabels?]? = nil, size: Int, to dir: URL
  ) throws {
    let metadata = ShardMetadata(
      size: size, codepoints: kept.map { Int($0.0) }, captions: kept.map(\.1),
      splits: splits.map(\.rawValue), radicals: labels.map { $0.map { $0?.radical ?? 0 } },
      strokes: labels.map { $0.map { $0?.strokes ?? 0 } })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let json = try encoder.encode(metadata)
    let url = dir.appendingPathComponent(shardFileName)
    do {
      try SafeTensors.write(
        // The validating init keeps `images` as is (`.u8` would copy it twice).
        [
          try SafeTensorsEntry(
            name: "images", dtype: .u8, shape: [kept.count, size, size], data: images)
        ],
        metadata: [shardMetadataKey: String(decoding: json, as: UTF8.self)], to: url)
    } catch {
      throw GlyphDataError.writeFailed(path: url.path, reason: "\(error)")
    }
  }

  /// The target may be absent, an empty directory or a previous data set; nothing else.
  static func checkTarget(_ target: URL) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
      return
    }
    guard isDirectory.boolValue else { throw GlyphDataError.outputIsFile(path: target.path) }
    let contents = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
    if !contents.isEmpty && !contents.contains(DatasetManifest.fileName) {
      throw GlyphDataError.outputNotADataset(path: target.path)
    }
  }

  static func createDirectory(_ url: URL) throws {
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw GlyphDataError.writeFailed(path: url.path, reason: error.localizedDescription)
    }
  }

  /// Leftovers of builds that were killed: `.NAME.tmp-PID` and `.NAME.old-PID`.
  static func removeStaleSiblings(of target: URL) {
    let parent = target.deletingLastPathComponent()
    let prefixes = [".\(target.lastPathComponent).tmp-", ".\(target.lastPathComponent).old-"]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
    where prefixes.contains(where: { name.hasPrefix($0) }) {
      removeTree(parent.appendingPathComponent(name))
    }
  }

  /// Moves `temp` to `target`; a previous `target` is moved aside first and deleted after.
  static func replace(_ target: URL, with temp: URL) throws {
    let fm = FileManager.default
    let aside = target.deletingLastPathComponent().appendingPathComponent(
      ".\(target.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
    let hadPrevious = fm.fileExists(atPath: target.path)
    if hadPrevious {
      guard rename(target.path, aside.path) == 0 else {
        throw GlyphDataError.writeFailed(
          path: target.path, reason: String(cString: strerror(errno)))
      }
    }
    guard rename(temp.path, target.path) == 0 else {
      let reason = String(cString: strerror(errno))
      if hadPrevious { _ = rename(aside.path, target.path) }
      throw GlyphDataError.writeFailed(path: target.path, reason: reason)
    }
    if hadPrevious { removeTree(aside) }
  }

  /// Deletes a directory of files with unlinkat(2) (Foundation's removeItem takes minutes for
  /// 20k files on a busy disk); subdirectories, if any, go through FileManager.
  static func removeTree(_ url: URL) {
    guard let dir = opendir(url.path) else { return }
    let fd = dirfd(dir)
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name == "." || name == ".." { continue }
      if unlinkat(fd, name, 0) != 0 {
        try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
      }
    }
    closedir(dir)
    rmdir(url.path)
  }
}
