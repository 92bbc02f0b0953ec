/// A continuous colour map: piecewise-linear interpolation (in sRGB) between evenly spaced stops.
public struct ColorMap: Sendable, Equatable {
  public var stops: [Color]

  public init(stops: [Color]) {
    precondition(stops.count >= 2, "a colour map needs at least two stops")
    self.stops = stops
  }

  /// The colour at t ∈ [0, 1] (clamped; NaN maps to the first stop).
  public func color(at t: Double) -> Color {
    let u = t.isNaN ? 0 : min(max(t, 0), 1) * Double(stops.count - 1)
    let i = min(Int(u), stops.count - 2)
    let f = u - Double(i)
    let a = stops[i]
    let b = stops[i + 1]
    func mix(_ x: UInt8, _ y: UInt8) -> UInt8 {
      UInt8((Double(x) + (Double(y) - Double(x)) * f).rounded())
    }
    return Color(r: mix(a.r, b.r), g: mix(a.g, b.g), b: mix(a.b, b.b))
  }

  /// Matplotlib's viridis sampled at 0, 1/8, …, 1 (perceptually uniform, colour-blind safe).
  public static let viridis = ColorMap(
    stops: [
      0x440154, 0x472C7A, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725,
    ]
    .map { Color(hex: $0) })

  /// White to black (ink density).
  public static let greys = ColorMap(stops: [.white, .black])

  /// Blue – white – red, for signed quantities.
  public static let coolWarm = ColorMap(
    stops: [Color(hex: 0x3B4CC0), Color(hex: 0xDDDDDD), Color(hex: 0xB40426)])
}

/// Default series colours: matplotlib's "tab10" cycle.
public enum SeriesPalette {
  public static let colors: [Color] = [
    0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22,
    0x17BECF,
  ].map { Color(hex: $0) }

  public static func color(_ index: Int) -> Color { colors[index % colors.count] }
}
