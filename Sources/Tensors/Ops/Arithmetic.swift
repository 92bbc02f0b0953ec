/// Broadcasting arithmetic: + − × ÷ between tensors and with scalars, each with its VJP.
///
/// For z = a ∘ b broadcast to a common shape, ∂L/∂a is ∂L/∂z·∂z/∂a summed over the dimensions
/// a was broadcast along (`sumToShape`).
extension Tensor {
  static func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) -> Tensor {
    var out = broadcastBinary(a, b, op)
    let sa = a.shape
    let sb = b.shape
    switch op {
    case .add, .sub:
      // No operand is captured: a residual add must not keep its inputs alive.
      let sign: Float = op == .add ? 1 : -1
      out.node = GradNode.make(a, b, op: "\(op)") { g, needs in
        [
          needs[0] ? sumToShape(g, sa) : nil,
          needs[1] ? sumToShape(sign == 1 ? g : broadcastBinary(g, Tensor(-1), .mul), sb) : nil,
        ]
      }
    case .mul:
      // ∂(ab)/∂a = b, ∂(ab)/∂b = a
      out.node = GradNode.make(a, b, op: "mul") { g, needs in
        [
          needs[0] ? sumToShape(broadcastBinary(g, b, .mul), sa) : nil,
          needs[1] ? sumToShape(broadcastBinary(g, a, .mul), sb) : nil,
        ]
      }
    case .div:
      // ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
      out.node = GradNode.make(a, b, op: "div") { g, needs in
        let ga = needs[0] ? sumToShape(broadcastBinary(g, b, .div), sa) : nil
        var gb: Tensor? = nil
        if needs[1] {
          let q = broadcastBinary(broadcastBinary(g, a, .mul), broadcastBinary(b, b, .mul), .div)
          gb = sumToShape(broadcastBinary(q, Tensor(-1), .mul), sb)
        }
        return [ga, gb]
      }
    }
    return out
  }

  public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .add) }
  public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .sub) }
  public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .mul) }
  public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .div) }

  public static func + (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(b), .add) }
  public static func - (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(b), .sub) }
  public static func * (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(b), .mul) }
  public static func / (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(b), .div) }
  public static func + (a: Float, b: Tensor) -> Tensor { binary(Tensor(a), b, .add) }
  public static func - (a: Float, b: Tensor) -> Tensor { binary(Tensor(a), b, .sub) }
  public static func * (a: Float, b: Tensor) -> Tensor { binary(Tensor(a), b, .mul) }
  public static func / (a: Float, b: Tensor) -> Tensor { binary(Tensor(a), b, .div) }

  public static prefix func - (a: Tensor) -> Tensor { a * -1 }

  public static func += (a: inout Tensor, b: Tensor) { a = a + b }
  public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
  public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
  public static func *= (a: inout Tensor, b: Float) { a = a * b }
}
