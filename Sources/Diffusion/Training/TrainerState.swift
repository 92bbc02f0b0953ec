import NN
import Tensors

/// What, besides weights and optimiser moments, fixes a run's future: counters, every random
/// stream, and the data order. Epoch e's order is the training indices shuffled by the `data`
/// stream as it stood when the epoch began (`dataAtEpochStart`), so a resumed run rebuilds it
/// and skips the `batchInEpoch` batches already used.
public struct TrainerState: Sendable, Codable, Equatable {
  public static let formatVersion = 1
  public var format = TrainerState.formatVersion
  /// Optimiser steps done.
  public var step = 0
  /// The current epoch (0-based) and how many of its batches were consumed.
  public var epoch = 0
  public var batchInEpoch = 0
  public var dataAtEpochStart: RandomStream
  /// Epoch shuffles.
  public var data: RandomStream
  /// ε of q(x_t | x0).
  public var noise: RandomStream
  /// t ~ U{0, …, T−1}.
  public var timestep: RandomStream
  /// The examples' own random choices: caption dropout coin flips, or the super-resolution
  /// stage's crop positions and low-resolution augmentation.
  public var dropout: RandomStream
  /// Starting noise of preview grids (never touches the training streams).
  public var sample: RandomStream
  public var imagesSeen = 0
  public var config: TrainingConfig
  public var lrSchedule: LRSchedule

  public init(config: TrainingConfig, lrSchedule: LRSchedule) {
    let seed = config.seed
    data = RandomStream(seed: seed, name: "data")
    dataAtEpochStart = data
    noise = RandomStream(seed: seed, name: "noise")
    timestep = RandomStream(seed: seed, name: "timestep")
    dropout = RandomStream(seed: seed, name: "dropout")
    sample = RandomStream(seed: seed, name: "sample")
    self.config = config
    self.lrSchedule = lrSchedule
  }
}

/// One optimiser step's numbers (a line of `metrics.jsonl`).
public struct StepMetrics: Sendable, Codable, Equatable {
  public var step: Int
  public var epoch: Int
  public var loss: Float
  public var lr: Float
  public var gradNorm: Float
  public var imgPerS: Double
  /// Validation loss with the training weights (what diffusers' reference script measures).
  public var valLoss: Float?
  /// The same validation loss with the EMA weights, the ones previews and `generate` use.
  public var valLossEMA: Float?
  /// `glyffuser eval`'s numbers for the EMA weights (`train --eval-every`), with
  /// `train_minutes`, the training time so far (steps only, not validation or evaluation).
  public var eval: [String: Double]?
  /// On the first line a process writes: the precision it trains in and why (`PrecisionChoice`).
  public var precision: String?
  public var precisionReason: String?

  enum CodingKeys: String, CodingKey {
    case step, epoch, loss, lr, precision
    case precisionReason = "precision_reason"
    case gradNorm = "grad_norm"
    case imgPerS = "img_per_s"
    case valLoss = "val_loss"
    case valLossEMA = "val_loss_ema"
    case eval
  }
}

/// A greyscale picture (0 = black, 255 = white), row-major.
public struct GreyscaleImage: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(pixels.count == width * height, "\(pixels.count) pixels for \(width)×\(height)")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// Images of equal size tiled `columns` across with a `gap`-pixel white border.
  public static func tiled(_ tiles: [GreyscaleImage], columns: Int, gap: Int = 2) -> GreyscaleImage
  {
    precondition(!tiles.isEmpty && columns > 0, "nothing to tile")
    let (w, h) = (tiles[0].width, tiles[0].height)
    let rows = (tiles.count + columns - 1) / columns
    let width = columns * (w + gap) + gap
    let height = rows * (h + gap) + gap
    var out = [UInt8](repeating: 255, count: width * height)
    for (i, tile) in tiles.enumerated() {
      precondition(tile.width == w && tile.height == h, "tiles differ in size")
      let (x0, y0) = (gap + (i % columns) * (w + gap), gap + (i / columns) * (h + gap))
      for y in 0..<h {
        out.replaceSubrange(
          (y0 + y) * width + x0..<(y0 + y) * width + x0 + w,
          with: tile.pixels[y * w..<(y + 1) * w])
      }
    }
    return GreyscaleImage(width: width, height: height, pixels: out)
  }
}
