import ArgumentParser
import Diffusion
import GlyphData
import Tensors

// Typed command-line values: ArgumentParser validates them and lists the choices in --help,
// so no command checks these strings by hand.

extension Precision: ExpressibleByArgument {}
extension PredictionType: ExpressibleByArgument {}
extension SamplerName: ExpressibleByArgument {}
extension PrecisionChoice.Request: ExpressibleByArgument {}
extension GlyphCentering: ExpressibleByArgument {}

/// Where training gets its caption embeddings.
enum CaptionSource: String, ExpressibleByArgument, CaseIterable {
  /// The data set's caption cache, encoded first when missing or stale.
  case cache
  /// Fixed random vectors per caption (smoke tests and benchmarks; no encoder needed).
  case random
}

/// The element type model weights are written in (`glyffuser convert --dtype`), with the names
/// PyTorch users type.
enum WeightStorage: String, ExpressibleByArgument, CaseIterable {
  case fp32, fp16, bf16

  var dtype: SafeTensorsDType {
    switch self {
    case .fp32: .f32
    case .fp16: .f16
    case .bf16: .bf16
    }
  }
}
