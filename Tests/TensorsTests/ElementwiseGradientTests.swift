import Foundation
import Testing

@testable import Tensors

/// Finite-difference checks of every element-wise VJP (math in each op's doc comment).
@Suite struct ElementwiseGradientTests {
  static let x = Tensor(
    shape: [2, 3, 5], scalars: (0..<30).map { Float(($0 * 37) % 29) / 9 - 1.5 })
  static let positive = Tensor(shape: [2, 3, 5], scalars: (0..<30).map { Float($0 % 7) / 3 + 0.5 })

  @Test(arguments: ["exp", "silu", "sigmoid", "tanh", "gelu", "geluTanh", "squared", "abs"])
  func unary(_ name: String) {
    let f: (Tensor) -> Tensor =
      switch name {
      case "exp": { $0.exp() }
      case "silu": { $0.silu() }
      case "sigmoid": { $0.sigmoid() }
      case "tanh": { $0.tanh() }
      case "gelu": { $0.gelu() }
      case "geluTanh": { $0.gelu(approximation: .tanh) }
      case "squared": { $0.squared() }
      default: { ($0 + 0.1).abs() }  // every x + 0.1 is ≥ 0.04 from the kink at 0
      }
    let r = GradientCheck.check([Self.x]) { f($0[0]) }
    #expect(r.passed, "\(name): \(r)")
  }

  @Test func logAndSqrt() {
    #expect(GradientCheck.check([Self.positive]) { $0[0].log() }.passed)
    #expect(GradientCheck.check([Self.positive]) { $0[0].sqrt() }.passed)
  }

  @Test func broadcastBinaryOps() {
    let b = Tensor(shape: [3, 1], scalars: [0.7, -1.2, 2.1])
    let c = Tensor(shape: [5], scalars: [1.5, 2, 2.5, 3, 0.9])
    for op in 0..<4 {
      let r = GradientCheck.check([Self.x, b, c]) { t in
        switch op {
        case 0: return t[0] + t[1] - t[2]
        case 1: return t[0] * t[1] * t[2]
        case 2: return t[0] / t[2] - t[1]
        default: return (t[1] - t[0]) / t[2]
        }
      }
      #expect(r.passed, "op \(op): \(r)")
    }
  }

  @Test func shapeOps() {
    let r = GradientCheck.check([Self.x]) { t in
      let p = t[0].permuted([2, 0, 1]).slice(axis: 0, range: 1..<4)
      let parts = p.split(sizes: [1, 2], axis: 0)
      return Tensor.concatenate([parts[1], parts[0] * 2], axis: 0).reshaped(to: [3, -1])
        .sum(alongAxes: 1) * Tensor(shape: [3], scalars: [1, 2, 3])
    }
    #expect(r.passed, "\(r)")
    let m = GradientCheck.check([Self.x]) { t in t[0].mean(alongAxes: [0, 2], keepingDims: true) }
    #expect(m.passed)
  }

  @Test func clampGradient() {
    let r = GradientCheck.check([Self.x]) { $0[0].clamped(min: -0.77, max: 0.81) }
    #expect(r.passed, "\(r)")
  }

  @Test func vectorExpMatchesLibm() {
    var worst: Float = 0
    var x: Float = -80
    while x < 80 {
      let e = vexp(Vec8(repeating: x))[0]
      worst = max(worst, Swift.abs(e - Foundation.exp(x)) / Foundation.exp(x))
      x += 0.0137
    }
    #expect(worst < 5e-7, "max relative error \(worst)")
  }
}

@Suite struct VectorMathTests {
  @Test func vectorErfMatchesLibm() {
    var worst: Float = 0
    var x: Float = -6
    while x < 6 {
      worst = max(worst, abs(verf(Vec8(repeating: x))[0] - erff(x)))
      x += 0.00731
    }
    #expect(worst < 2e-6, "max abs error \(worst)")
  }

  /// The kernels run 16 lanes at a time where they can and 8 (or one) at the tails, so a value's
  /// result must not depend on the width: every function gives the same bits at both, over the
  /// clamps (±4 for erf, −87.3 and 88.3 for exp) and beyond.
  @Test func sixteenLanesGiveTheBitsOfEight() {
    let functions: [(String, (Vec8) -> Vec8, (Vec16) -> Vec16)] = [
      ("exp", { vexp($0) }, { vexp($0) }), ("sigmoid", { vsigmoid($0) }, { vsigmoid($0) }),
      ("silu", { vsilu($0) }, { vsilu($0) }), ("tanh", { vtanh($0) }, { vtanh($0) }),
      ("erf", { verf($0) }, { verf($0) }),
    ]
    var x = Vec16()
    var start: Float = -100
    while start < 100 {
      for j in 0..<16 { x[j] = start + Float(j) * 0.0173 }
      for (name, f8, f16) in functions {
        let wide = f16(x)
        let narrow = Vec16(lowHalf: f8(x.lowHalf), highHalf: f8(x.highHalf))
        for j in 0..<16 where wide[j].bitPattern != narrow[j].bitPattern {
          Issue.record("\(name)(\(x[j])): \(wide[j]) at 16 lanes, \(narrow[j]) at 8")
          return
        }
      }
      start += 0.29
    }
  }
}
