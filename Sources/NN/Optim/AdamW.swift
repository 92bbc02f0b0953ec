import Tensors

/// AdamW (Loshchilov & Hutter 2019, Alg. 2), matching `torch.optim.AdamW`:
///   p ← p·(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
///   p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
/// Parameters without a gradient are skipped (their step count still advances, as in PyTorch
/// where the whole group shares `step`… per parameter, PyTorch counts only updated steps; so do we).
public final class AdamW {
  public struct Config: Sendable, Codable, Equatable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    public var weightDecay: Float = 1e-2
    public init(
      beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 1e-2
    ) {
      self.beta1 = beta1
      self.beta2 = beta2
      self.eps = eps
      self.weightDecay = weightDecay
    }
  }

  /// Per-parameter moments and step, by parameter path (what a checkpoint stores).
  public struct State {
    public var m: [Float]
    public var v: [Float]
    public var step: Int
    public init(m: [Float], v: [Float], step: Int) {
      self.m = m
      self.v = v
      self.step = step
    }
  }

  public let config: Config
  public let named: [(String, Parameter)]
  public private(set) var states: [String: State] = [:]

  public init(_ named: [(String, Parameter)], config: Config = Config()) {
    self.named = named
    self.config = config
  }

  public convenience init(_ module: any Module, config: Config = Config()) {
    self.init(module.namedParameters(), config: config)
  }

  /// One update with learning rate `lr`.
  public func step(lr: Float) {
    let (b1, b2, eps, wd) = (config.beta1, config.beta2, config.eps, config.weightDecay)
    for (name, p) in named {
      guard let grad = p.grad else { continue }
      let n = ShapeMath.count(p.shape)
      var s =
        states[name]
        ?? State(m: [Float](repeating: 0, count: n), v: [Float](repeating: 0, count: n), step: 0)
      s.step += 1
      let c1 = 1 - Float(Double(b1).power(s.step))
      let c2 = 1 - Float(Double(b2).power(s.step))
      let stepSize = lr / c1
      let c2Root = c2.squareRoot()
      let decay = 1 - lr * wd
      grad.withFloats { g in
        s.m.withUnsafeMutableBufferPointer { m in
          s.v.withUnsafeMutableBufferPointer { v in
            p.update { w in
              // Same arithmetic order as torch's single-tensor AdamW.
              for i in 0..<n {
                let gi = g[i]
                w[i] *= decay
                m[i] = m[i] * b1 + (1 - b1) * gi
                v[i] = v[i] * b2 + (1 - b2) * gi * gi
                let denom = v[i].squareRoot() / c2Root + eps
                w[i] -= stepSize * m[i] / denom
              }
            }
          }
        }
      }
      states[name] = s
    }
  }

  /// Replaces the optimiser state (checkpoint resume).
  public func load(states: [String: State]) { self.states = states }
}

extension Double {
  fileprivate func power(_ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= self }
    return r
  }
}
