import Imaging

/// A page of a figure: blocks (titles, notes, images) stacked top to bottom and centred, on white.
/// Used where a figure combines image grids and charts on one PNG.
struct FigureSheet {
  enum Block {
    case title(String)
    case note(String)
    case image(RasterImage)
    case gap(Int)
  }

  var blocks: [Block] = []
  var padding = 16

  mutating func title(_ s: String) { blocks.append(.title(s)) }
  mutating func note(_ s: String) { blocks.append(.note(s)) }
  mutating func image(_ i: RasterImage) { blocks.append(.image(i)) }
  mutating func gap(_ pixels: Int) { blocks.append(.gap(pixels)) }

  func render(text: TextRenderer? = nil) throws -> RasterImage {
    let renderer = try text ?? TextRenderer.shared()
    func size(_ b: Block) -> (w: Int, h: Int) {
      switch b {
      case .title(let s):
        let m = renderer.measure(s, size: ExplainStyle.titleSize)
        return (m.width, m.height + 6)
      case .note(let s):
        let m = renderer.measure(s, size: ExplainStyle.fontSize)
        return (m.width, m.height + 4)
      case .image(let i): return (i.width, i.height)
      case .gap(let g): return (0, g)
      }
    }
    let sizes = blocks.map(size)
    let width = (sizes.map(\.w).max() ?? 1) + 2 * padding
    let height = sizes.map(\.h).reduce(0, +) + 2 * padding
    var canvas = Canvas(width: max(width, 1), height: max(height, 1))
    var y = padding
    for (b, s) in zip(blocks, sizes) {
      let centre = Double(width) / 2
      switch b {
      case .title(let t):
        renderer.draw(
          t, size: ExplainStyle.titleSize, at: Point(centre, Double(y)), color: .black,
          into: &canvas, anchor: .top)
      case .note(let t):
        renderer.draw(
          t, size: ExplainStyle.fontSize, at: Point(centre, Double(y)), color: Color(grey: 70),
          into: &canvas, anchor: .top)
      case .image(let i):
        canvas.blit(
          i, into: PixelRect(x: (width - i.width) / 2, y: y, width: i.width, height: i.height))
      case .gap: break
      }
      y += s.h
    }
    return canvas.image
  }
}
