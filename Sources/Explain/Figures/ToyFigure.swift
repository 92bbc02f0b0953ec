import Diffusion
import Foundation
import Imaging
import Tensors

/// Article figure 4: diffusion on 2-D toy data, where everything can be computed exactly. The
/// data are eight Gaussian clusters on a ring; under the forward process their noised marginal
/// q_t is again a Gaussian mixture (`GaussianMixture2D.noised`), so the score ∇log q_t and the
/// denoiser E[x_0 | x_t] are exact — no network. Panels: q(x_t | x_0) around chosen points, the
/// forward process as Markov chains, the score field at three noise levels, and reverse-process
/// trajectories from pure noise onto the data (the project's DDIM sampler with η = 0, i.e. the
/// probability-flow ODE discretised (Song et al. 2021), driven by the exact denoiser).
public enum ToyFigure: ExplainFigure {
  public static let name = "toy"
  public static let caption =
    "A 2-D toy where the score is exact: Gaussians q(xₜ | x₀), the forward process, the score field ∇log qₜ at three noise levels, and reverse trajectories landing on the data."
  public static let needs: Set<ExplainInput> = []

  /// Eight clusters (std 0.08) on the unit circle: structure visible at every noise level.
  public static let data = GaussianMixture2D(
    (0..<8).map { k in
      let a = 2 * Double.pi * Double(k) / 8
      return .init(weight: 1, mean: SIMD2(cos(a), sin(a)), std: 0.08)
    })

  /// The same linear schedule (Ho et al. 2020, T = 1000) the glyph models use.
  public static func schedule() throws -> NoiseSchedule { try NoiseSchedule(.ho2020) }

  /// Noise levels of the three score panels: σ_t = √(1 − ᾱ_t) ≈ 0.08, 0.32 and 0.90.
  static let scoreTimesteps = [20, 100, 400]
  static let kernelTimestep = 60
  static let range = -2.5...2.5

  /// Reverse-process trajectories: `count` points drawn from N(0, I) and carried to t = 0 by
  /// DDIM (η = 0) with `steps` steps and the exact denoiser of `data`. Each trajectory starts
  /// with x_T and lists the state after every step.
  public static func reverseTrajectories(count: Int, steps: Int, seed: UInt64) throws
    -> [[SIMD2<Double>]]
  {
    let schedule = try schedule()
    let alphas = schedule.alphasCumprod
    let denoiser = Denoiser(prediction: .sample) { x, t in
      let a = alphas[Int(t)]
      let v = x.scalars
      var out = [Float](repeating: 0, count: v.count)
      for i in 0..<(v.count / 2) {
        let m = data.posteriorMean(SIMD2(Double(v[2 * i]), Double(v[2 * i + 1])), alphaBar: a)
        out[2 * i] = Float(m.x)
        out[2 * i + 1] = Float(m.y)
      }
      return Tensor(shape: x.shape, scalars: out)
    }
    let sampler = try SamplerSettings(kind: .ddim, schedule: schedule).makeSampler(steps: steps)
    var stream = RandomStream(seed: seed, name: "explain-toy-reverse")
    let z = Tensor.randomNormal([count, 1, 1, 2], stream: &stream)
    func points(_ t: Tensor) -> [SIMD2<Double>] {
      let v = t.scalars
      return (0..<count).map { SIMD2(Double(v[2 * $0]), Double(v[2 * $0 + 1])) }
    }
    var paths = points(z).map { [$0] }
    _ = try sampler.sample(fromUnitNoise: z, denoiser: denoiser, noise: &stream) { step in
      for (i, p) in points(step.sample).enumerated() { paths[i].append(p) }
    }
    return paths
  }

  /// Forward Markov chains x_t = √(1 − β_t)·x_{t−1} + √β_t·ε_t (Ho et al. 2020, eq. 2) from
  /// `starts`, every `stride`-th state kept (and the last).
  static func forwardChains(
    from starts: [SIMD2<Double>], schedule: NoiseSchedule, stride: Int, stream: inout RandomStream
  ) -> [[SIMD2<Double>]] {
    starts.map { start in
      var x = start
      var path = [x]
      for (t, beta) in schedule.betas.enumerated() {
        let e = stream.normals(2).map(Double.init)
        x = (1 - beta).squareRoot() * x + beta.squareRoot() * SIMD2(e[0], e[1])
        if t % stride == stride - 1 || t == schedule.betas.count - 1 { path.append(x) }
      }
      return path
    }
  }

  /// A density on the panel grid as heat-map values (row 0 at the top).
  static func densityMap(_ mixture: GaussianMixture2D, resolution n: Int) -> [Double] {
    let lo = range.lowerBound
    let w = range.upperBound - lo
    return (0..<(n * n)).map { i in
      let (row, col) = (i / n, i % n)
      let p = SIMD2(
        lo + w * (Double(col) + 0.5) / Double(n), lo + w * (1 - (Double(row) + 0.5) / Double(n)))
      return mixture.density(p)
    }
  }

  static func panel(_ title: String) -> Figure {
    var f = Figure(width: 440, height: 460, title: title)
    f.fontSize = ExplainStyle.fontSize
    f.x = AxisSpec(range: range)
    f.y = AxisSpec(range: range)
    f.gridLines = false
    return f
  }

  static func xy(_ points: [SIMD2<Double>]) -> (x: [Double], y: [Double]) {
    (points.map(\.x), points.map(\.y))
  }

  public static func render(_ context: ExplainContext) throws -> [String] {
    let schedule = try schedule()
    let resolution = context.quick ? 80 : 200
    var stream = RandomStream(seed: context.seed, name: "explain-toy")
    let samples = data.sample(context.quick ? 200 : 500, stream: &stream)
    let (sx, sy) = xy(samples)
    var panels: [Figure] = []

    // q(x_t | x_0) for three chosen x_0: Gaussians of variance 1 − ᾱ_t around √ᾱ_t·x_0.
    let chosen: [SIMD2<Double>] = [SIMD2(1, 0), SIMD2(-0.7071, 0.7071), SIMD2(0, -1)]
    let aK = schedule.alphasCumprod[kernelTimestep]
    let kernels = GaussianMixture2D(chosen.map { .init(weight: 1, mean: $0, std: 1e-6) })
      .noised(alphaBar: aK)
    var kernel = panel(
      String(format: "q(xₜ | x₀) at t = %d (σ = %.2f)", kernelTimestep, (1 - aK).squareRoot()))
    kernel.heatMap(
      densityMap(kernels, resolution: resolution), rows: resolution, columns: resolution,
      x: range, y: range, colorMap: ExplainStyle.density, colorBar: false)
    kernel.scatter(x: sx, y: sy, color: ExplainStyle.data.withOpacity(0.35), radius: 1.5)
    kernel.scatter(x: chosen.map(\.x), y: chosen.map(\.y), color: .black, radius: 3.5)
    panels.append(kernel)

    // The forward process: the data cloud at several t, and a few single points' Markov chains.
    var forward = panel("Forward process: data → noise")
    let aT = schedule.alphasCumprod[999]
    let noised = samples.map { p in
      let e = stream.normals(2).map(Double.init)
      return aT.squareRoot() * p + (1 - aT).squareRoot() * SIMD2(e[0], e[1])
    }
    forward.scatter(
      x: noised.map(\.x), y: noised.map(\.y), color: ExplainStyle.noise, radius: 1.6,
      label: "x₉₉₉ (noise)")
    forward.scatter(x: sx, y: sy, color: ExplainStyle.data, radius: 1.6, label: "x₀ (data)")
    let chains = forwardChains(
      from: [samples[0], samples[1]], schedule: schedule, stride: 20, stream: &stream)
    for chain in chains {
      let (cx, cy) = xy(chain)
      forward.line(x: cx, y: cy, color: ExplainStyle.model, width: 1.2, label: nil)
      forward.scatter(x: [cx.first!], y: [cy.first!], color: .black, radius: 3.5)
      forward.scatter(x: [cx.last!], y: [cy.last!], color: ExplainStyle.model, radius: 3.5)
    }
    forward.legend = .bottomRight
    panels.append(forward)

    // The score of the noised data at three noise levels.
    let n = context.quick ? 11 : 17
    let spacing = (range.upperBound - range.lowerBound) / Double(n)
    let gx = (0..<(n * n)).map { range.lowerBound + spacing * (Double($0 % n) + 0.5) }
    let gy = (0..<(n * n)).map { range.lowerBound + spacing * (Double($0 / n) + 0.5) }
    for t in scoreTimesteps {
      let a = schedule.alphasCumprod[t]
      let qt = data.noised(alphaBar: a)
      var f = panel(String(format: "∇log qₜ at t = %d (σ = %.2f)", t, (1 - a).squareRoot()))
      f.heatMap(
        densityMap(qt, resolution: resolution), rows: resolution, columns: resolution, x: range,
        y: range, colorMap: ExplainStyle.density, colorBar: false)
      let scores = zip(gx, gy).map { qt.score(SIMD2($0, $1)) }
      let (dx, dy) = arrowVectors(scores, maxLength: 0.9 * spacing)
      f.arrows(x: gx, y: gy, dx: dx, dy: dy, color: Color(grey: 30), width: 1.2)
      panels.append(f)
    }

    // Reverse process: noise → data with the exact denoiser.
    let count = context.quick ? 24 : 64
    let paths = try reverseTrajectories(
      count: count, steps: context.quick ? 50 : 100, seed: context.seed)
    var reverse = panel("Reverse process: noise → data")
    reverse.heatMap(
      densityMap(data, resolution: resolution), rows: resolution, columns: resolution, x: range,
      y: range, colorMap: ExplainStyle.density, colorBar: false)
    for path in paths {
      let (px, py) = xy(path)
      reverse.line(x: px, y: py, color: ExplainStyle.model.withOpacity(0.6), width: 1)
    }
    reverse.scatter(
      x: paths.map { $0[0].x }, y: paths.map { $0[0].y }, color: ExplainStyle.noise, radius: 2.5,
      label: "start: noise ~ N(0, I)")
    reverse.scatter(
      x: paths.map { $0.last!.x }, y: paths.map { $0.last!.y }, color: .black, radius: 2.5,
      label: "end: x₀")
    reverse.legend = .bottomRight
    panels.append(reverse)

    var sheet = FigureSheet()
    sheet.title("A 2-D toy: eight Gaussian clusters on a ring")
    sheet.note(
      "Shading: the density. Arrows: the direction of the score ∇log qₜ, longer where it is larger (compressed with tanh)."
    )
    sheet.note(
      "Orange: two points' forward Markov chains (from the black dots); reverse trajectories by DDIM (η = 0, the probability-flow ODE) with the exact score."
    )
    sheet.image(try Figure.renderPanels(panels, columns: 3))
    return [try context.writePNG(sheet.render(), as: "\(name).png")]
  }

  /// Arrows for score vectors: direction kept, length maxLength·tanh(|s| / median |s|), so the
  /// huge scores far from the data at low noise do not dwarf the rest.
  static func arrowVectors(_ scores: [SIMD2<Double>], maxLength: Double) -> ([Double], [Double]) {
    let norms = scores.map { ($0 * $0).sum().squareRoot() }
    let median = max(norms.sorted()[norms.count / 2], 1e-12)
    let v = zip(scores, norms).map { s, r -> SIMD2<Double> in
      r > 0 ? s / r * maxLength * tanh(r / median) : .zero
    }
    return (v.map(\.x), v.map(\.y))
  }
}
