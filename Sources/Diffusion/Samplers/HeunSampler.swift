import Tensors

/// Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1,
/// γ = 0): d = (x − x̂0(x, σ_i))/σ_i, x̃ = x + (σ_{i+1} − σ_i)·d,
/// d' = (x̃ − x̂0(x̃, σ_{i+1}))/σ_{i+1}, x ← x + (σ_{i+1} − σ_i)·(d + d')/2; the last step
/// (σ_{i+1} = 0) is a plain Euler step. 2n − 1 model calls for n steps.
/// Matches diffusers `HeunDiscreteScheduler` (its `clip_sample` is the Denoiser's `.clip`).
public typealias HeunSampler = VarianceExplodingGridSampler<HeunStep>

public enum HeunStep: VarianceExplodingStep {
  public static func step(_ p: EulerFamilyPoint, noise: inout some NoiseSource) throws -> Tensor {
    let euler = try EulerStep.step(p, noise: &noise)
    let (s, next) = (p.sigma, p.nextSigma)
    guard next != 0 else { return euler }
    let d2 = try p.denoiseAtNext(euler)
    let dt = next - s
    // x + dt/2·((x − x0)/σ + (x̃ − x0')/σ')
    return Elementwise.combine(
      (1 + dt / (2 * s), p.x), (-dt / (2 * s), p.denoised.x0), (dt / (2 * next), euler),
      (-dt / (2 * next), d2.x0))
  }
}
