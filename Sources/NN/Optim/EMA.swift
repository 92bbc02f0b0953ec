import Tensors

/// Exponential moving average of weights (Polyak averaging), as diffusers' `EMAModel`:
/// shadow ← d·shadow + (1 − d)·θ with d = min(decay, (1 + t)/(10 + t)) during warm-up.
public final class EMA {
  public let decay: Float
  public let useWarmup: Bool
  public private(set) var shadow: [String: Tensor]
  public private(set) var optimizationStep = 0

  public init(_ named: [(String, Parameter)], decay: Float = 0.9999, useWarmup: Bool = true) {
    self.decay = decay
    self.useWarmup = useWarmup
    shadow = Dictionary(
      uniqueKeysWithValues: named.map { ($0.0, $0.1.value.detached().contiguous()) })
  }

  /// The decay used at the current step.
  public var currentDecay: Float {
    let t = Float(optimizationStep)
    return useWarmup ? min(decay, (1 + t) / (10 + t)) : decay
  }

  public func update(_ named: [(String, Parameter)]) {
    let d = currentDecay
    optimizationStep += 1
    withNoGrad {
      for (name, p) in named {
        guard let s = shadow[name] else { continue }
        // s − (1 − d)(s − θ), as diffusers writes it.
        shadow[name] = s - (s - p.value) * (1 - d)
      }
    }
  }

  /// Copies the averaged weights into `named` (for sampling / saving).
  public func copy(to named: [(String, Parameter)]) {
    for (name, p) in named { if let s = shadow[name] { p.assign(s) } }
  }

  public func load(shadow: [String: Tensor], step: Int) {
    self.shadow = shadow
    optimizationStep = step
  }
}
