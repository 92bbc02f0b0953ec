import Foundation
import Tensors
import Testing

@testable import Diffusion

/// Golden betas/ᾱ from `scripts/reference/schedulers.py` (diffusers 0.42.1 `DDPMScheduler`).
@Test(arguments: SchedulerFixtures.shared.schedules.map(\.name))
func betasAndAlphasCumprodMatchDiffusers(name: String) throws {
  let f = SchedulerFixtures.shared.schedules.first { $0.name == name }!
  let s = try SchedulerFixtures.settings("ddpm", f.config).schedule
  #expect(s.trainTimesteps == f.betas.count)
  if !f.name.hasSuffix("zero_snr") {
    // Float32 values: equal up to one rounding of torch's float32 linspace/cumprod.
    #expect(maxRelativeError(s.betas, f.betas) < 1e-6)
    #expect(maxRelativeError(s.alphasCumprod, f.alphas_cumprod) < 1e-6)
  } else {
    // torch's float32 `sqrt` is not always correctly rounded (1 ulp off in ~18% of this table),
    // and the rescale turns 1 ulp of √ᾱ into up to 1e−3 relative on the smallest β (1e−7
    // absolute) and ~1e−5 on the tiny ᾱ next to T. Even an exact Double evaluation differs from
    // diffusers by 3.8e−5 there, so Float32 emulation is as close as a correctly rounded sqrt gets.
    #expect(maxRelativeError(s.betas, f.betas, floor: 1) < 1e-5)  // absolute, β_t = 1 − ᾱ_t/ᾱ_{t−1}
    #expect(maxRelativeError(s.alphasCumprod, f.alphas_cumprod) < 2e-5)
  }
}

@Test func cosineScheduleIsNotZeroedByIntegerDivision() throws {
  // Nichol & Dhariwal: ᾱ(t) ≈ cos²(π/2 · (t/T + s)/(1 + s)), so ᾱ at T/2 ≈ cos²(0.2515π) ≈ 0.49.
  let s = try NoiseSchedule(.cosine(), trainTimesteps: 1000)
  #expect(abs(s.alphasCumprod[499] - 0.4936) < 1e-3)
  #expect(s.betas.allSatisfy { $0 > 0 && $0 <= Double(Float(0.999)) })
}

@Test func zeroTerminalSNRRescale() throws {
  // Lin et al. 2023, Algorithm 1: √ᾱ_T becomes 0, √ᾱ_0 is unchanged.
  let plain = try NoiseSchedule(.stableDiffusion)
  let z = try NoiseSchedule(.stableDiffusion, rescaleToZeroTerminalSNR: true)
  #expect(z.alphasCumprod.last == 0)
  #expect(z.logSNR(at: 999) == -.infinity)
  #expect(abs(z.alphasCumprod[0] - plain.alphasCumprod[0]) < 1e-7)
  // σ-based samplers floor ᾱ_T at 2⁻²⁴: σ_T = √((1 − 2⁻²⁴)/2⁻²⁴) ≈ 4096.
  #expect(abs(z.varianceExplodingSigmas().last! - 4096) < 1e-3)
}

@Test func logSNRAndScalesAreConsistent() throws {
  let s = try NoiseSchedule(.ho2020)
  for t in [0, 10, 500, 999] {
    let a = s.signalScale(at: t)
    let sg = s.noiseScale(at: t)
    #expect(abs(a * a + sg * sg - 1) < 1e-12)
    #expect(abs(s.logSNR(at: t) - 2 * log(a / sg)) < 1e-9)
  }
  // log-SNR decreases monotonically.
  let l = s.logSNRs
  #expect(zip(l, l.dropFirst()).allSatisfy { $0 > $1 })
}

@Test func forwardProcessUsesEachSamplesTimestep() throws {
  let s = try NoiseSchedule(.ho2020)
  let x0 = Tensor(shape: [2, 1, 1, 2], scalars: [1, -1, 0.5, 2])
  let eps = Tensor(shape: [2, 1, 1, 2], scalars: [0.3, 0.1, -2, 1])
  let ts = [0, 999]
  let xt = s.addNoise(to: x0, noise: eps, timesteps: ts)
  var expected: [Double] = []
  for (i, (x, e)) in zip(x0.scalars, eps.scalars).enumerated() {
    let t = ts[i / 2]
    expected.append(
      s.alphasCumprod[t].squareRoot() * Double(x) + (1 - s.alphasCumprod[t]).squareRoot()
        * Double(e))
  }
  #expect(maxRelativeError(xt.scalars, expected) < 1e-6)
  // v = √ᾱ ε − √(1−ᾱ) x0, and the ε/v/x0 conversions invert each other.
  let v = s.velocity(x0: x0, noise: eps, timesteps: [500, 500])
  let a = s.signalScale(at: 500)
  let sg = s.noiseScale(at: 500)
  let x500 = s.addNoise(to: x0, noise: eps, timesteps: [500, 500])
  for p in PredictionType.allCases {
    let out = p.target(x0: x0, noise: eps, alpha: a, sigma: sg)
    if p == .vPrediction { #expect(maxRelativeError(out.scalars, v.scalars) < 1e-6) }
    let rx0 = p.originalSample(from: out, x: x500, alpha: a, sigma: sg)
    let reps = p.epsilon(from: out, x: x500, alpha: a, sigma: sg)
    #expect(maxRelativeError(rx0.scalars, x0.scalars, floor: 1) < 1e-5, "\(p)")
    #expect(maxRelativeError(reps.scalars, eps.scalars, floor: 1) < 1e-5, "\(p)")
  }
}

@Test func trainingTargetsPerPredictionType() throws {
  let s = try NoiseSchedule(.ho2020)
  let x0 = Tensor(shape: [2, 1, 1, 1], scalars: [1, -1])
  let eps = Tensor(shape: [2, 1, 1, 1], scalars: [0.5, 2])
  let ts = [10, 900]
  #expect(s.trainingTarget(.epsilon, x0: x0, noise: eps, timesteps: ts).scalars == eps.scalars)
  #expect(s.trainingTarget(.sample, x0: x0, noise: eps, timesteps: ts).scalars == x0.scalars)
  // v = √ᾱ_t ε − √(1−ᾱ_t) x0 with each sample's own t.
  let v = s.trainingTarget(.vPrediction, x0: x0, noise: eps, timesteps: ts).scalars
  let expected = (0..<2).map { i in
    s.signalScale(at: ts[i]) * Double(eps.scalars[i]) - s.noiseScale(at: ts[i])
      * Double(x0.scalars[i])
  }
  #expect(maxRelativeError(v, expected) < 1e-6)
}
