import Foundation
import Tensors

/// Exponential moving average of weights (Polyak averaging), as diffusers' `EMAModel`:
/// shadow ← d·shadow + (1 − d)·θ with d = min(decay, warm-up(t)) at update t = 0, 1, …, where
/// warm-up(t) is (1 + t)/(10 + t) (diffusers' default), or, with `power`, the inverse-gamma
/// warm-up 1 − (1 + t/γ)^(−power) with γ = 1 (diffusers' `use_ema_warmup`, from Karras et al.'s
/// EMA profiles): 0 at the first update, 0.99 after about 1,000 updates at power 2/3 and 0.999
/// after 10,000 at power 3/4, so a short run averages over a window that grows with it.
public final class EMA {
  public let decay: Float
  public let useWarmup: Bool
  /// The inverse-gamma warm-up's power; nil for the (1 + t)/(10 + t) warm-up.
  public let power: Float?
  public private(set) var shadow: [String: Tensor]
  public private(set) var optimizationStep = 0

  public init(
    _ named: [(String, Parameter)], decay: Float = 0.9999, useWarmup: Bool = true,
    power: Float? = nil
  ) {
    self.decay = decay
    self.useWarmup = useWarmup
    self.power = power
    shadow = Dictionary(
      uniqueKeysWithValues: named.map { ($0.0, $0.1.value.detached().contiguous()) })
  }

  /// The decay used at the current step.
  public var currentDecay: Float {
    guard useWarmup else { return decay }
    if let power {
      return min(decay, Float(1 - pow(1 + Double(optimizationStep), -Double(power))))
    }
    let t = Float(optimizationStep)
    return min(decay, (1 + t) / (10 + t))
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
