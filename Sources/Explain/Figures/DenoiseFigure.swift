import Diffusion
import Foundation
import Imaging
import Tensors

/// Article figure 6: sampling from a trained model. Sixteen glyphs for "gold" denoised from pure
/// noise (an animated GIF of x_t beside the model's prediction of x_0 at every step), the first
/// glyph's x_t and predicted x_0 step by step — at the first step that prediction is the
/// model's one-step guess from pure noise — and the same seed sampled with 1, 2, 3, 5, 10 and 20
/// steps in all.
public enum DenoiseFigure: ExplainFigure {
  public static let name = "denoise"
  public static let caption =
    "Denoising \"gold\" from pure noise: xₜ and the model's prediction of x₀ at each step, and one seed sampled with 1, 2, 3, 5, 10 and 20 steps; the animation shows 16 seeds (xₜ left, predicted x₀ right)."
  public static let needs: Set<ExplainInput> = [.model]

  static let prompt = "gold"
  static let guidance: Float = 3

  public static func render(_ context: ExplainContext) throws -> [String] {
    let model = try ExplainModel.shared(context, figure: name)
    let count = context.quick ? 4 : 16
    let steps = context.quick ? 5 : 20
    let stepCounts = context.quick ? [1, 2, 3, 5] : [1, 2, 3, 5, 10, 20]
    let scale = model.scale(toAbout: 64)

    let recorder = DenoisingFrames(count: count, showPredictedOriginal: true, scale: scale)
    _ = try model.generate(
      prompt, count: count, steps: steps, guidance: guidance, seed: context.seed,
      onStep: recorder.record)
    let gif = try context.write(recorder.gif(delayCentiseconds: 12), as: "\(name).gif")

    let shown = shownSteps(steps)
    let trajectory = try LabelledGrid.make(
      rows: [
        shown.map { recorder.firstSample[$0 - 1] },
        shown.map { recorder.firstPredictedOriginal[$0 - 1] },
      ],
      rowLabels: ["xₜ", "predicted x₀"], columnLabels: shown.map { "step \($0)" },
      scale: scale)
    let strip = try StepCountStrip.images(stepCounts) {
      try model.generate(prompt, count: 1, steps: $0, guidance: guidance, seed: context.seed)
    }
    let counts = try LabelledGrid.make(
      rows: [strip], rowLabels: [""], columnLabels: StepCountStrip.labels(stepCounts),
      scale: scale)

    var sheet = FigureSheet()
    sheet.title("Denoising \"\(prompt)\": xₜ and the model's prediction of x₀")
    sheet.note(
      "DPM-Solver++(2M), \(steps) steps, guidance \(guidance.formatted()), seed \(context.seed); step 1 predicts x₀ from pure noise in one go"
    )
    sheet.image(trajectory)
    sheet.gap(16)
    sheet.title("The same seed sampled with \(list(stepCounts)) steps")
    sheet.image(counts)
    return [try context.writePNG(sheet.render(), as: "\(name).png"), gif]
  }

  /// At most nine steps of a run of `steps`: the first three, where most changes, then six more
  /// spaced geometrically up to the last (20 steps: 1, 2, 3, 4, 6, 8, 11, 15, 20).
  static func shownSteps(_ steps: Int) -> [Int] {
    if steps <= 9 { return Array(1...steps) }
    let tail = (1...6).map { k in Int((3 * pow(Double(steps) / 3, Double(k) / 6)).rounded()) }
    var shown = [1, 2, 3]
    for s in tail where s > shown.last! { shown.append(s) }
    return shown
  }

  static func list(_ xs: [Int]) -> String {
    let s = xs.map(String.init)
    return s.count < 2 ? s.joined() : s.dropLast().joined(separator: ", ") + " and " + s.last!
  }
}
