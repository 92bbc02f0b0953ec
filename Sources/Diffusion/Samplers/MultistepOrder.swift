/// The order of a multistep solver (DPM-Solver++, UniPC): how many earlier model outputs each
/// step may combine. diffusers' `solver_order` (1 or 2 here; its 3 is not implemented) and
/// `lower_order_final` (the last steps drop to the order that the steps left allow, which keeps
/// few-step sampling stable).
public struct MultistepOrder: Sendable, Equatable {
  public let order: Int
  public let lowerOrderFinal: Bool

  public init(_ order: Int = 2, lowerOrderFinal: Bool = true) throws(ScheduleError) {
    guard order == 1 || order == 2 else {
      throw .unsupported("solver_order \(order) (1 or 2 are implemented)")
    }
    self.order = order
    self.lowerOrderFinal = lowerOrderFinal
  }

  private init(checked order: Int, lowerOrderFinal: Bool) {
    (self.order, self.lowerOrderFinal) = (order, lowerOrderFinal)
  }

  /// diffusers' default for sampling: second order, lower order at the end.
  public static let standard = MultistepOrder(checked: 2, lowerOrderFinal: true)

  /// The order usable at step i of n: at most i + 1 (only i earlier outputs exist) and, with
  /// `lowerOrderFinal`, at most n − i (diffusers UniPC's `this_order`).
  func at(step i: Int, of n: Int) -> Int {
    min(lowerOrderFinal ? min(order, n - i) : order, min(i, order) + 1)
  }
}
