import Tensors

/// Euler ancestral (k-diffusion `sample_euler_ancestral`, after Song et al. 2021's ancestral
/// step): split σ_{i+1} into σ_up = √(σ_{i+1}²(σ_i² − σ_{i+1}²)/σ_i²) and
/// σ_down = √(σ_{i+1}² − σ_up²); x ← x + (σ_down − σ_i)·(x − x̂0)/σ_i + σ_up·z.
/// Matches diffusers `EulerAncestralDiscreteScheduler` (which draws z on every step, the last one
/// included, where σ_up = 0). diffusers has no Karras option for this class.
public typealias EulerAncestralSampler = VarianceExplodingGridSampler<EulerAncestralStep>

public enum EulerAncestralStep: VarianceExplodingStep {
  public static func step(_ p: EulerFamilyPoint, noise: inout some NoiseSource) throws -> Tensor {
    let (s, to) = (p.sigma, p.nextSigma)
    let up = (to * to * (s * s - to * to) / (s * s)).squareRoot()
    let down = max(to * to - up * up, 0).squareRoot()
    let k = (down - s) / s
    return Elementwise.combine(
      (1 + k, p.x), (-k, p.denoised.x0), (up, noise.next(shape: p.x.shape)))
  }
}
