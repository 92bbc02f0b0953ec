import Foundation

/// What a figure reads besides its own arithmetic.
public enum ExplainInput: String, Sendable, Hashable {
  /// A data set folder (`glyffuser dataset build`).
  case dataset
  /// A trained model folder (`glyffuser train` / `init-model`).
  case model
}

/// Where a figure reads from and writes to. `quick` asks for a smaller, faster version (fewer
/// samples, fewer steps) for tests; the real figures leave it false.
public struct ExplainContext: Sendable {
  public var dataset: URL?
  public var model: URL?
  /// Text-encoder override for model figures (nil: the one the model folder records).
  public var encoder: String?
  public var out: URL
  public var seed: UInt64
  public var quick: Bool

  public init(
    dataset: URL? = nil, model: URL? = nil, encoder: String? = nil, out: URL, seed: UInt64 = 0,
    quick: Bool = false
  ) {
    self.dataset = dataset
    self.model = model
    self.encoder = encoder
    self.out = out
    self.seed = seed
    self.quick = quick
  }
}

/// One figure of the seed article ("What exactly is it that diffusion models learn?"), drawn from
/// the user's own data and model. Each figure writes its files into `context.out` and returns
/// their names (relative to `out`), the first being the one `index.html` shows.
public protocol ExplainFigure: Sendable {
  /// Command-line name: `glyffuser explain <name>`.
  static var name: String { get }
  /// One line under the figure in `index.html`.
  static var caption: String { get }
  /// Inputs without which the figure cannot be drawn.
  static var needs: Set<ExplainInput> { get }
  static func render(_ context: ExplainContext) throws -> [String]
}

/// Every figure, in the article's order (the order of `explain all` and `index.html`).
public enum ExplainFigures {
  public static let all: [any ExplainFigure.Type] = [
    GaussianFigure.self,
    DatasetMapFigure.self,
    ForwardFigure.self,
    NoisedMapFigure.self,
    ToyFigure.self,
    ConditioningFigure.self,
    DenoiseFigure.self,
    GuidanceFigure.self,
  ]

  public static func named(_ name: String) -> (any ExplainFigure.Type)? {
    all.first { $0.name == name }
  }
}
