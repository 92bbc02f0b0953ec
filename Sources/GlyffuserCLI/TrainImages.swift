import Diffusion
import GlyphData

/// Data set → trainer images, box-downsampled by an integer factor to the model's sample size
/// (e.g. a 128 px data set for the 32 px `tiny` preset: each output pixel is the rounded mean
/// of a 4 × 4 block).
enum TrainImages {
  static func make(_ data: GlyphDataset, size: Int?) throws -> TrainingImages {
    let target = size ?? data.size
    guard GlyphDownsample.divides(from: data.size, to: target) else {
      throw CLIError(
        "data set images are \(data.size) px; the model needs \(target) px (build the data set"
          + " with --size \(target) or a multiple of it)")
    }
    let pixels = GlyphDownsample.box(data.images, count: data.count, from: data.size, to: target)
    return TrainingImages(
      pixels: pixels, size: target, trainIndices: data.indices(in: .train),
      validationIndices: data.indices(in: .validation))
  }
}
