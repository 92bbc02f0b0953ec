import Imaging
import Testing

@testable import Diffusion
@testable import Explain

/// `glyffuser plot RUN1 RUN2`: each run's evaluations are drawn in its own colour on the shared
/// panels (adherence and FD against training minutes and against images seen).
@Suite struct TrainingCurvesTests {
  static func run(steps: [Int], minutesPerStep: Double, top1: Double) -> [StepMetrics] {
    steps.map { step in
      var m = StepMetrics(
        step: step, epoch: 0, loss: 0.1, lr: 1e-3, gradNorm: 1, imgPerS: 100, valLoss: nil)
      m.eval = [
        "train_minutes": Double(step) * minutesPerStep, "radical_top1": top1 * Double(step) / 4000,
        "fd": 900 - Double(step) / 10,
      ]
      return m
    }
  }

  @Test func everyRunIsDrawnInItsOwnColour() throws {
    let image = try TrainingCurves.comparison([
      ("slow", 32, Self.run(steps: [1000, 2000, 3000], minutesPerStep: 0.01, top1: 0.3)),
      ("fast", 16, Self.run(steps: [1000, 2000, 3000, 4000], minutesPerStep: 0.003, top1: 0.5)),
    ])
    #expect(image.width >= 1000 && image.height >= 700, "\(image.width)x\(image.height)")
    let channels = image.format.channels
    func pixels(of color: Color) -> Int {
      stride(from: 0, to: image.pixels.count, by: channels).filter {
        image.pixels[$0] == color.r && image.pixels[$0 + 1] == color.g
          && image.pixels[$0 + 2] == color.b
      }.count
    }
    for i in 0..<2 {
      #expect(pixels(of: SeriesPalette.color(i)) > 100, "series \(i) is missing")
    }
    #expect(pixels(of: SeriesPalette.color(2)) == 0)
  }
}
