import Foundation

/// Axis tick positions and labels.
///
/// Linear axes use "nice" steps 1, 2 or 5 × 10^k (Heckbert, "Nice numbers for graph labels",
/// Graphics Gems, 1990): the raw step (max − min)/(target − 1) is rounded to the nearest nice
/// number (fraction < 1.5 → 1, < 3 → 2, < 7 → 5, else 10), and ticks are the multiples of the step
/// inside [min, max]. Log axes use powers of ten, adding
/// 2× and 5× multiples when fewer than three decades are visible.
public enum NiceTicks {
  /// The smallest nice number (1, 2, 5 × 10^k) ≥ `x` (x > 0).
  public static func niceStep(atLeast x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "niceStep needs a positive finite value, got \(x)")
    let exponent = (log10(x)).rounded(.down)
    let base = pow(10, exponent)
    let fraction = x / base
    // A tiny tolerance keeps 2.0000000001 (from floating-point division) a 2, not a 5.
    let nice: Double =
      fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10
    return nice * base
  }

  /// The nice number (1, 2, 5 × 10^k) nearest to `x` in Heckbert's rounding (x > 0).
  public static func niceStep(near x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "niceStep needs a positive finite value, got \(x)")
    let exponent = (log10(x)).rounded(.down)
    let base = pow(10, exponent)
    let fraction = x / base
    let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    return nice * base
  }

  /// The step for about `targetCount` ticks over [lo, hi].
  public static func step(_ lo: Double, _ hi: Double, targetCount: Int = 6) -> Double {
    let span = hi - lo
    guard span > 0, span.isFinite else { return 1 }
    return niceStep(near: span / Double(max(targetCount - 1, 1)))
  }

  /// Multiples of the nice step within [lo, hi] (inclusive, with a relative tolerance).
  public static func linear(_ lo: Double, _ hi: Double, targetCount: Int = 6) -> [Double] {
    guard hi > lo, lo.isFinite, hi.isFinite else { return lo.isFinite ? [lo] : [] }
    let s = step(lo, hi, targetCount: targetCount)
    let eps = s * 1e-9
    let first = ((lo - eps) / s).rounded(.up)
    let last = ((hi + eps) / s).rounded(.down)
    guard last >= first else { return [] }
    return stride(from: first, through: last, by: 1).map { k in
      let v = k * s
      return abs(v) < eps ? 0 : v  // no "-0"
    }
  }

  /// Tick positions for a log axis over [lo, hi] (both > 0).
  public static func log(_ lo: Double, _ hi: Double) -> [Double] {
    guard lo > 0, hi > lo, hi.isFinite else { return lo > 0 ? [lo] : [] }
    let e0 = Int(log10(lo).rounded(.down))
    let e1 = Int(log10(hi).rounded(.up))
    let tol = 1e-9
    let inRange = { (v: Double) in v >= lo * (1 - tol) && v <= hi * (1 + tol) }
    let decades = (e0...e1).map { pow(10, Double($0)) }.filter(inRange)
    // Many decades: thin out to at most ~8 labels (every 2nd, 3rd … power).
    if decades.count > 8 {
      let every = (decades.count + 7) / 8
      return decades.enumerated().filter { $0.offset % every == 0 }.map(\.element)
    }
    if decades.count >= 3 { return decades }
    let multiples: [Double] = decades.count == 2 ? [1, 2, 5] : [1, 2, 3, 5]
    // m / 10^-e rather than m · 10^e: 3 / 10 is exactly the double nearest 0.3, 3 · 0.1 is not.
    let ticks = (e0...e1).flatMap { e in
      multiples.map { e < 0 ? $0 / pow(10, Double(-e)) : $0 * pow(10, Double(e)) }
    }.filter(inRange)
    return ticks.count >= 2 ? ticks : linear(lo, hi, targetCount: 4)
  }

  /// A label for `value` on a linear axis with tick spacing `step`: as many decimals as the step
  /// needs, scientific notation for very large or very small magnitudes.
  public static func label(_ value: Double, step: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e6 || magnitude < 1e-4 { return scientific(value) }
    let decimals = max(0, Int(-log10(step).rounded(.down)))
    return String(format: "%.\(min(decimals, 6))f", value)
  }

  /// A label for a log-axis tick: plain decimals between 0.001 and 10⁴, else "2e-5" style.
  public static func logLabel(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e4 {
      var s = String(format: "%.3f", value)
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
      return s
    }
    return scientific(value)
  }

  /// "1e-5", "2.5e6": mantissa with up to 2 decimals, no "+" or leading zeros in the exponent.
  static func scientific(_ value: Double) -> String {
    let exponent = Int(log10(abs(value)).rounded(.down))
    var mantissa = value / pow(10, Double(exponent))
    if abs(mantissa) >= 9.995 {  // rounding would print 10.00
      mantissa /= 10
      return scientificString(mantissa, exponent + 1)
    }
    return scientificString(mantissa, exponent)
  }

  private static func scientificString(_ mantissa: Double, _ exponent: Int) -> String {
    var m = String(format: "%.2f", mantissa)
    while m.hasSuffix("0") { m.removeLast() }
    if m.hasSuffix(".") { m.removeLast() }
    return "\(m)e\(exponent)"
  }
}
