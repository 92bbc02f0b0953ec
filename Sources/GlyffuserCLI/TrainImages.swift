import Diffusion
import GlyphData

/// Data set → trainer images, box-downsampled by an integer factor to the model's sample size
/// (e.g. a 128 px data set for the 32 px `tiny` preset: each output pixel is the rounded mean
/// of a 4 × 4 block).
enum TrainImages {
  static func make(_ data: GlyphDataset, size: Int?) throws -> TrainingImages {
    let target = size ?? data.size
    guard target <= data.size, data.size % target == 0 else {
      throw DatasetCLIError(
        "data set images are \(data.size) px; the model needs \(target) px (build the data set"
          + " with --size \(target) or a multiple of it)")
    }
    let pixels = downsample(data.images, count: data.count, from: data.size, to: target)
    return TrainingImages(
      pixels: pixels, size: target, trainIndices: data.indices(in: .train),
      validationIndices: data.indices(in: .validation))
  }

  static func downsample(_ src: [UInt8], count: Int, from s: Int, to t: Int) -> [UInt8] {
    if s == t { return src }
    let f = s / t
    let area = f * f
    var out = [UInt8](repeating: 0, count: count * t * t)
    src.withUnsafeBufferPointer { a in
      out.withUnsafeMutableBufferPointer { o in
        for n in 0..<count {
          for y in 0..<t {
            for x in 0..<t {
              var sum = 0
              for dy in 0..<f {
                let row = n * s * s + (y * f + dy) * s + x * f
                for dx in 0..<f { sum += Int(a[row + dx]) }
              }
              o[n * t * t + y * t + x] = UInt8((sum + area / 2) / area)
            }
          }
        }
      }
    }
    return out
  }
}
