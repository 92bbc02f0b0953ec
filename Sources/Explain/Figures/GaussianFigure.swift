import Foundation
import Imaging
import Tensors

/// Article figure 1: what "learning a distribution" means in the simplest case. Draw samples
/// from N(0, 1), histogram them, and compare the true density with the Gaussian fitted by maximum
/// likelihood: μ̂ = mean of the samples, σ̂² = (1/n) Σ (x − μ̂)² (the MLE divides by n, not n − 1).
public enum GaussianFigure: ExplainFigure {
  public static let name = "gaussian"
  public static let caption =
    "1,000 samples from N(0, 1) as a histogram, the true density, and the Gaussian fitted by maximum likelihood (dotted)."
  public static let needs: Set<ExplainInput> = []

  static let sampleCount = 1000
  static let bins = 40

  /// `count` draws from N(0, 1) with the Philox stream "explain-gaussian" of `seed`.
  public static func samples(count: Int, seed: UInt64) -> [Double] {
    var stream = RandomStream(seed: seed, name: "explain-gaussian")
    return stream.normals(count).map(Double.init)
  }

  /// Maximum-likelihood mean and standard deviation of a Gaussian for `xs`.
  public static func maximumLikelihood(_ xs: [Double]) -> (mean: Double, std: Double) {
    precondition(!xs.isEmpty, "maximum likelihood needs samples")
    let n = Double(xs.count)
    let mean = xs.reduce(0, +) / n
    let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
    return (mean, variance.squareRoot())
  }

  static func normalDensity(_ x: Double, mean: Double = 0, std: Double = 1) -> Double {
    let z = (x - mean) / std
    return exp(-0.5 * z * z) / (std * (2 * Double.pi).squareRoot())
  }

  public static func render(_ context: ExplainContext) throws -> [String] {
    let xs = samples(count: sampleCount, seed: context.seed)
    let fit = maximumLikelihood(xs)
    let grid = (0...400).map { -4 + 8 * Double($0) / 400 }
    var figure = Figure(
      width: 900, height: 540, title: "Samples from N(0, 1) and the distribution fitted to them")
    figure.fontSize = ExplainStyle.fontSize
    figure.x = AxisSpec(title: "x", range: -4...4)
    figure.y = AxisSpec(title: "density")
    figure.histogram(
      xs, bins: bins, range: -4...4, density: true, color: ExplainStyle.data.withOpacity(0.35),
      label: "\(sampleCount) samples (\(bins) bins)")
    figure.line(
      x: grid, y: grid.map { normalDensity($0) }, color: ExplainStyle.data, width: 2.5,
      label: "true density N(0, 1)")
    figure.line(
      x: grid, y: grid.map { normalDensity($0, mean: fit.mean, std: fit.std) },
      color: ExplainStyle.model, width: 2.5, style: .dotted,
      label: String(format: "max. likelihood fit: μ̂ = %.3f, σ̂ = %.3f", fit.mean, fit.std))
    return [try context.writePNG(figure.render(), as: "\(name).png")]
  }
}
