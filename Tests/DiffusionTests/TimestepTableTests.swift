import Foundation
import Testing

@testable import Diffusion

private let tables = SchedulerFixtures.shared.tables

/// Timesteps, σ and init_noise_sigma of every scheduler class for 1, 5, 20, 50 steps under each
/// spacing (and Karras σ), against diffusers 0.42.1 (`scripts/reference/schedulers.py`).
@Test(arguments: tables.indices)
func timestepAndSigmaTablesMatchDiffusers(index: Int) throws {
  let f = tables[index]
  let settings = try SchedulerFixtures.settings(f.scheduler, f.config)
  let sampler = try settings.makeSampler(steps: f.steps)
  let label = "\(f.scheduler) \(f.config) steps=\(f.steps)"
  var expectedT = f.timesteps
  if f.scheduler == "heun" {  // diffusers repeats each second-stage timestep
    expectedT = [expectedT[0]] + stride(from: 1, to: expectedT.count, by: 2).map { expectedT[$0] }
  }
  #expect(sampler.timesteps.count == expectedT.count, "\(label)")
  #expect(maxRelativeError(sampler.timesteps, expectedT) < 1e-6, "\(label)")
  #expect(abs(sampler.initNoiseSigma - f.init_noise_sigma) <= 1e-6 * f.init_noise_sigma, "\(label)")
  if var expected = f.sigmas {
    let sigmas: [Double]
    switch sampler {
    case let s as DPMSolverMultistepSampler: sigmas = s.sigmas
    case let s as EulerSampler: sigmas = s.sigmas
    case let s as EulerAncestralSampler: sigmas = s.sigmas
    case let s as HeunSampler: sigmas = s.sigmas
    case let s as UniPCSampler: sigmas = s.sigmas
    default:
      Issue.record("no sigmas for \(label)")
      return
    }
    if f.scheduler == "heun" {
      expected = [expected[0]] + stride(from: 1, to: expected.count, by: 2).map { expected[$0] }
    }
    #expect(maxRelativeError(sigmas, expected) < 1e-5, "\(label)")
  }
}
