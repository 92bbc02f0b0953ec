import Tensors

extension Sampler {
  /// The loop every sampler shares (k-diffusion's `for i in trange(len(sigmas) - 1)`): starting
  /// from x_T, `step` takes x at grid index i to grid index i + 1 and returns the new x with the
  /// model's x̂0 at i, and the step is reported to `onStep`. A sampler is then its grid plus its
  /// `step`. `sampleScale(i)` brings the new x to data scale for the report (1 for the
  /// variance-preserving samplers, 1/√(σ_{i+1}² + 1) for the variance-exploding ones).
  func walk(
    from xT: Tensor, onStep: TrajectoryCallback?, sampleScale: (Int) -> Double = { _ in 1 },
    _ step: (_ x: Tensor, _ i: Int) throws -> (next: Tensor, x0: Tensor)
  ) throws -> Tensor {
    let ts = timesteps
    var x = xT
    for i in 0..<stepCount {
      let (next, x0) = try step(x, i)
      x = next
      try onStep?(
        TrajectoryStep(
          index: i, timestep: ts[i], sample: x, predictedOriginal: x0,
          sampleScale: sampleScale(i)))
    }
    return x
  }
}
