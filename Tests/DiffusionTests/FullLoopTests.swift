import Foundation
import Tensors
import Testing

@testable import Diffusion

private let loops = SchedulerFixtures.shared.loops

/// 10-step full loops against diffusers 0.42.1 (`scripts/reference/schedulers.py`): the dummy
/// model ε̂ = 0.1·x_in + t/1000 drives each sampler, the noise diffusers drew is injected in the
/// same order, and every step's sample and predicted x0 must agree within 1e−5 relative
/// (‖a − e‖∞/‖e‖∞: diffusers computes in Float32, so elements that cancel to near 0 carry
/// absolute, not relative, rounding error; measured agreement is ≤ 5e−7 on every step).
@Test(arguments: loops.map(\.name))
func fullLoopMatchesDiffusers(name: String) throws {
  let f = loops.first { $0.name == name }!
  var settings = try SchedulerFixtures.settings(f.scheduler, f.config)
  settings.eta = f.eta ?? 0
  let sampler = try settings.makeSampler(steps: f.steps)
  #expect(abs(sampler.initNoiseSigma - f.init_noise_sigma) <= 1e-6 * f.init_noise_sigma)

  var modelTimesteps: [Float] = []
  let denoiser = settings.makeDenoiser { x, t in
    modelTimesteps.append(t)
    return Tensor(shape: x.shape, scalars: x.scalars.map { 0.1 * $0 + t / 1000 })
  }
  var noise = QueuedNoise(f.noise.map { Tensor(shape: f.shape, scalars: $0) })
  var steps: [TrajectoryStep] = []
  let out = try sampler.sample(
    fromUnitNoise: Tensor(shape: f.shape, scalars: f.x_T_unit), denoiser: denoiser,
    noise: &noise
  ) { steps.append($0) }

  #expect(noise.used == f.noise.count, "noise draws")
  #expect(maxRelativeError(modelTimesteps, f.model_timesteps) < 1e-6, "model timesteps")
  #expect(steps.count == f.steps)
  // Heun makes two diffusers `step` calls per step (one for the last): step i ends at call
  // 2i + 1 and its x0 comes from call 2i.
  let heun = f.scheduler == "heun"
  for (i, s) in steps.enumerated() {
    let end = heun ? min(2 * i + 1, f.samples.count - 1) : i
    let first = heun ? 2 * i : i
    if end < f.samples.count {
      let e1 = normwiseRelativeError(s.sample.scalars, f.samples[end])
      #expect(e1 < 1e-5, "step \(i) sample")
    }
    let e2 = normwiseRelativeError(s.predictedOriginal.scalars, f.pred_x0[first])
    #expect(e2 < 1e-5, "step \(i) x0")
  }
  if let final = f.final {
    let err = normwiseRelativeError(out.scalars, final)
    #expect(err < 1e-5, "final: \(err)")
  } else {
    // diffusers' UniPC bh1 computes (−∞)·0 on the last step; the first-order predictor here
    // has no residual term, so the result stays finite.
    #expect(f.diffusers_nan_last_step)
    #expect(out.scalars.allSatisfy { $0.isFinite })
  }
}
