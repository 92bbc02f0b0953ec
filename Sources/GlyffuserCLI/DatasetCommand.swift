import ArgumentParser
import Foundation
import GlyphData
import Imaging
import JobControl
import TensorFiles

struct DatasetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dataset",
    abstract: "Build and inspect the glyph data set (Unihan definitions + rendered glyphs).",
    subcommands: [DatasetBuildCommand.self, DatasetInfoCommand.self, DatasetShowCommand.self]
  )
}

struct DatasetBuildCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "build",
    abstract: "Render every defined character into an imagefolder + safetensors data set.")

  @Option(help: "Image width and height in pixels (≥ 16).")
  var size = 128

  @Option(help: "Output directory (replaced atomically if it holds a previous data set).")
  var out: String

  @Option(help: "Font file (.ttf/.otf/.ttc).")
  var font = FontFace.defaultPath

  @Option(help: "Font family to pick from a collection (default: Noto Sans CJK SC, else face 0).")
  var family: String?

  @Option(help: "Unihan readings: .txt, .txt.bz2 or the Unihan .zip.")
  var unihan = UnihanSource.defaultPath

  @Option(help: "Keep only the first N characters that have a caption.")
  var limit: Int?

  @Option(help: "White margin around the em box in pixels (default: size / 16).")
  var margin: Int?

  @Option(help: "Glyph placement: em (font's em box, default) or ink (bounding box centred).")
  var centering = GlyphCentering.emBox

  @Flag(help: "Also include CJK extension blocks B–H (U+20000–U+323AF).")
  var extensions = false

  @Option(help: "Render threads.")
  var threads = 2

  @Flag(help: "No progress bar.")
  var quiet = false

  @Flag(help: "Print the time of each phase.")
  var verbose = false

  func validate() throws {
    guard size >= 16 else { throw ValidationError("--size must be at least 16") }
    if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
    if let margin, margin < 0 || size - 2 * margin < 8 {
      throw ValidationError("--margin \(margin) leaves no room for a glyph at --size \(size)")
    }
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    var options = DatasetBuildOptions()
    options.size = size
    options.margin = margin
    options.centering = centering
    options.fontPath = font
    options.fontFamily = family
    options.unihanPath = unihan
    options.selection = extensions ? .withExtensions : .basic
    options.limit = limit
    options.threads = threads
    let interrupt = InterruptFlag()
    options.shouldStop = { interrupt.isSet }
    let bar = quiet ? nil : ProgressBar(label: "rendering")
    let start = Date()
    let report: DatasetBuildReport
    do {
      report = try DatasetBuilder.build(
        options, to: URL(fileURLWithPath: out), progress: bar?.handler)
    } catch let error as GlyphDataError {
      bar?.finish()
      throw CLIError("dataset build failed: \(error)")
    }
    bar?.finish()
    let m = report.manifest
    print(
      "wrote \(m.count) glyphs (\(m.trainCount) train, \(m.validationCount) validation) "
        + "at \(m.size)x\(m.size) to \(out) in "
        + String(format: "%.1f s", Date().timeIntervalSince(start)))
    print(
      "skipped: \(m.emptyCaptions.count) empty captions, \(m.missingGlyphs.count) not in font, "
        + "\(m.blankGlyphs.count) blank glyphs")
    if verbose {
      for phase in report.phases {
        let name = phase.name.padding(toLength: 24, withPad: " ", startingAt: 0)
        print("  " + name + String(format: "%6.2f s", phase.seconds))
      }
    }
  }
}

struct DatasetInfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info", abstract: "Counts, split, caption lengths and skipped characters.")

  @Argument(help: "Data set directory.")
  var directory: String

  func run() throws {
    let url = URL(fileURLWithPath: directory)
    do {
      let manifest = try DatasetManifest.read(from: url)
      let dataset = try GlyphDataset(contentsOf: url)
      print(DatasetSummary(manifest: manifest, dataset: dataset).text)
    } catch let error as GlyphDataError {
      throw CLIError("\(error)")
    }
  }
}

struct DatasetShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Write one character's glyph PNG and print its cleaned definition.")

  @Argument(help: "A character (金) or a code point (U+91D1).")
  var character: String

  @Option(help: "Read the glyph from this data set instead of rendering it.")
  var dataset: String?

  @Option(help: "Output PNG (default: <HEX>.png in the current directory).")
  var out: String?

  @Option(help: "Size when rendering (no --dataset).")
  var size = 128

  @Option(help: "Font file when rendering (no --dataset).")
  var font = FontFace.defaultPath

  @Option(help: "Unihan file when not using --dataset.")
  var unihan = UnihanSource.defaultPath

  func run() throws {
    guard let codepoint = parseCharacter(character) else {
      throw ValidationError("\"\(character)\" is neither one character nor U+XXXX")
    }
    let label = codepointLabel(codepoint)
    let outPath = out ?? pngFileName(codepoint)
    do {
      let image: RasterImage
      let definition: String?
      let caption: String
      if let dataset {
        let data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset))
        guard let index = data.index(of: codepoint) else {
          throw CLIError("\(label) is not in the data set \(dataset)")
        }
        image = data.image(at: index)
        caption = data.captions[index]
        definition = nil
        print(
          "\(label) \(String(Character(Unicode.Scalar(codepoint)!))) [\(data.splits[index].rawValue)]"
        )
      } else {
        let face = try FontFace.locate(path: font)
        let renderer = try GlyphRenderer(font: face, size: size, margin: size / 16)
        guard let rendered = renderer.image(codepoint) else {
          throw CLIError("\(label) has no glyph in \(face.familyName) (\(font))")
        }
        image = rendered
        let all = try UnihanParser.definitions(
          in: try UnihanSource.text(at: unihan), path: unihan,
          selection: CodePointSelection(ranges: [codepoint...codepoint]))
        definition = all.first?.definition
        caption = definition.map(CaptionCleaner.clean) ?? ""
        print("\(label) \(String(Character(Unicode.Scalar(codepoint)!)))")
        print("definition: \(definition ?? "(none)")")
      }
      print("caption: \(caption.isEmpty ? "(empty: not in the data set)" : caption)")
      try AtomicFile.write(try PNGEncoder.encode(image), to: URL(fileURLWithPath: outPath))
      print("wrote \(outPath)")
    } catch let error as GlyphDataError {
      throw CLIError("\(error)")
    }
  }

  private func parseCharacter(_ s: String) -> UInt32? {
    let upper = s.uppercased()
    if upper.hasPrefix("U+"), let v = UInt32(upper.dropFirst(2), radix: 16), v <= 0x10FFFF {
      return v
    }
    let scalars = Array(s.unicodeScalars)
    return scalars.count == 1 ? scalars[0].value : nil
  }
}
