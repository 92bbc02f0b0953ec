import ArgumentParser
import Diffusion
import Explain
import Foundation
import Imaging
import Tensors
import TextEncoding

/// `glyffuser generate`: prompts → a grid of new glyphs (one row per prompt).
struct GenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate", abstract: "Draw new glyphs for English prompts with a trained model.")

  @Option(help: ArgumentHelp(stringLiteral: ModelOption.help)) var model: String?
  @Argument(help: "Prompts, e.g. \"gold\" \"water\".") var prompts: [String]
  @OptionGroup var sampling: SamplingOptions
  @OptionGroup var superResolution: SuperResolutionOptions
  @Option(help: "Output grid PNG.") var out = "glyphs.png"
  @Option(help: "Also write each image as a PNG into this folder.") var outDir: String?
  @Option(
    help:
      "Also write the first prompt's final samples of the base model, before rounding and before any super-resolution (values about −1…1), as a NumPy .npy file, [count, size, size, 1]."
  )
  var raw: String?
  @Option(help: "Text encoder name or folder (default: the one the model was trained with).")
  var encoder: String?
  @Option(help: "Write the denoising of the first prompt's images as an animated GIF.")
  var animation: String?
  @Flag(help: "In the animation, show the predicted x0 beside x_t at every step.")
  var showX0 = false
  @Option(
    help:
      "Also write the first prompt's first image after these step counts (e.g. 1,2,3,5,10,20) to <out>-steps.png."
  )
  var stepsGrid: String?
  @Option(help: ArgumentHelp(stringLiteral: PrecisionFlag.help))
  var precision: PrecisionChoice.Request?

  func validate() throws {
    guard !prompts.isEmpty else { throw ValidationError("give at least one prompt") }
    guard prompts.count <= 1024 else { throw ValidationError("at most 1,024 prompts per call") }
  }

  func run() throws {
    try PrecisionFlag.apply(precision, for: .inference)
    let generator: GlyphGenerator
    do {
      generator = try GlyphGenerator(
        model: try ModelOption.folder(model), encoder: encoder,
        sampler: sampling.settings)
    } catch let error as GlyphGeneratorError {
      throw ValidationError(error.description)
    }
    let pipeline = generator.pipeline
    var drawing = sampling.rows(generator)
    drawing.superResolution = try superResolution.stage(baseSize: generator.sampleSize)
    var summary = sampling.summary
    if let stage = drawing.superResolution {
      summary += "; then \(stage.record.lowResolution) → \(stage.size) px, \(stage.samplingSummary)"
    }
    print("\(summary) (image i of prompt p uses seed + p·count + i)")
    let framesFor = min(sampling.batch, sampling.count)
    let recorder =
      animation == nil
      ? nil
      : DenoisingFrames(
        count: framesFor, showPredictedOriginal: showX0,
        imageScale: drawing.outputSize / generator.sampleSize)
    let stageRecorder =
      animation == nil || drawing.superResolution == nil
      ? nil : DenoisingFrames(count: framesFor, showPredictedOriginal: showX0)
    let rows = try drawing.drawShowingProgress(
      prompts, recorder: recorder, stageRecorder: stageRecorder)
    if let outDir {
      try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
      for (p, prompt) in prompts.enumerated() {
        for (i, img) in rows[p].enumerated() {
          let name = "\(GlyphImages.slug(prompt))-\(drawing.seed(prompt: p, image: i)).png"
          try AtomicFile.write(
            try PNGEncoder.encode(img),
            to: URL(fileURLWithPath: outDir).appendingPathComponent(name))
        }
      }
    }
    try AtomicFile.write(
      try PNGEncoder.encode(try drawing.grid(rows, prompts: prompts)), to: URL(fileURLWithPath: out)
    )
    print("wrote \(out)")
    if let raw {
      // The same images as the first row (image i from seed + i, one batch when count ≤ batch).
      let x = try generator.generate(
        prompts[0], count: sampling.count, steps: sampling.steps, guidance: sampling.guidance,
        seed: drawing.seed(prompt: 0, image: 0))
      try NumpyFile.write(x.scalars, shape: x.shape, to: URL(fileURLWithPath: raw))
      print("wrote \(raw)")
    }
    if let animation, let recorder {
      try AtomicFile.write(
        try recorder.gif(delayCentiseconds: 10, then: stageRecorder),
        to: URL(fileURLWithPath: animation))
      let stageSteps = stageRecorder.map { " + \($0.frames.count) super-resolution" } ?? ""
      print("wrote \(animation) (\(recorder.frames.count) steps\(stageSteps))")
    }
    if let stepsGrid {
      let counts = stepsGrid.split(separator: ",").compactMap { Int($0) }
      let strip = try StepCountStrip.images(counts) {
        try pipeline.generate(
          prompts: generator.conditioning(prompts[0], count: 1), empty: generator.empty,
          steps: $0, guidance: sampling.guidance, seed: sampling.seed)
      }
      let path = (out as NSString).deletingPathExtension + "-steps.png"
      let image = try ImageGrid.make(
        images: strip, columns: strip.count, labels: StepCountStrip.labels(counts),
        scale: generator.scale(toAbout: 96))
      try AtomicFile.write(try PNGEncoder.encode(image), to: URL(fileURLWithPath: path))
      print("wrote \(path)")
    }
  }
}
