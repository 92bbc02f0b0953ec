import Imaging

/// Colours and sizes shared by the article's figures, so one thing has one colour throughout:
/// data is blue, noise grey, the model/fit/reverse process orange, schedules blue (linear) and
/// orange (cosine) — matplotlib's tab10 (`SeriesPalette`).
enum ExplainStyle {
  static let data = SeriesPalette.color(0)
  static let model = SeriesPalette.color(1)
  static let highlight = SeriesPalette.color(3)
  static let noise = Color(grey: 150)
  static let linearSchedule = SeriesPalette.color(0)
  static let cosineSchedule = SeriesPalette.color(1)
  /// Densities as heat maps: white (0) to the data blue, then dark blue, so arrows, lines and
  /// points drawn on top stay visible.
  static let density = ColorMap(stops: [
    Color(hex: 0xFFFFFF), Color(hex: 0xD6E6F4), Color(hex: 0x9ECAE1), Color(hex: 0x4292C6),
    Color(hex: 0x08519C),
  ])
  static let fontSize = 14
  static let titleSize = 20
}
