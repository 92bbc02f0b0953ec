import Foundation
import Imaging
import Testing

@testable import Explain

/// Every figure renders to real files in quick mode: decodable, of sensible size, not blank.
@Suite struct FigureRenderTests {
  static func check(_ files: [String], in out: URL, first: String, minWidth: Int = 400) throws {
    #expect(files.first == first)
    for file in files {
      let data = try Data(contentsOf: out.appendingPathComponent(file))
      #expect(data.count > 1000, "\(file) has only \(data.count) bytes")
    }
    let image = try ExplainFixtures.decodedImage(out, first)
    #expect(
      image.width >= minWidth && image.height >= 200, "\(first): \(image.width)x\(image.height)")
    #expect(ExplainFixtures.distinctValues(image) > 20, "\(first) looks blank")
  }

  @Test(arguments: ["gaussian", "toy", "conditioning"])
  func dataFreeFigureWritesAPNG(_ name: String) throws {
    let figure = try #require(ExplainFigures.named(name))
    #expect(figure.needs.isEmpty)
    let out = try ExplainFixtures.temporaryDirectory(name)
    defer { try? FileManager.default.removeItem(at: out) }
    let files = try figure.render(ExplainContext(out: out, quick: true))
    try Self.check(files, in: out, first: "\(name).png")
  }

  @Test func forwardFigureUsesTheDataset() throws {
    let dataset = try ExplainFixtures.dataset()
    let out = try ExplainFixtures.temporaryDirectory("forward")
    defer {
      try? FileManager.default.removeItem(at: out)
      try? FileManager.default.removeItem(at: dataset)
    }
    #expect(throws: ExplainError.missingInput(figure: "forward", input: .dataset)) {
      try ForwardFigure.render(ExplainContext(out: out, quick: true))
    }
    let files = try ForwardFigure.render(ExplainContext(dataset: dataset, out: out, quick: true))
    try Self.check(files, in: out, first: "forward.png")
  }

  @Test func denoiseFigureWritesPNGAndGIF() throws {
    let model = try ExplainFixtures.model()
    let out = try ExplainFixtures.temporaryDirectory("denoise")
    defer {
      try? FileManager.default.removeItem(at: out)
      try? FileManager.default.removeItem(at: model)
    }
    #expect(throws: ExplainError.missingInput(figure: "denoise", input: .model)) {
      try DenoiseFigure.render(ExplainContext(out: out, quick: true))
    }
    let files = try DenoiseFigure.render(ExplainContext(model: model, out: out, quick: true))
    #expect(files == ["denoise.png", "denoise.gif"])
    try Self.check(files, in: out, first: "denoise.png", minWidth: 200)
    let gif = try Data(contentsOf: out.appendingPathComponent("denoise.gif"))
    #expect(gif.starts(with: Array("GIF89a".utf8)))
  }

  @Test func guidanceFigureWritesAPNG() throws {
    let model = try ExplainFixtures.model()
    let out = try ExplainFixtures.temporaryDirectory("guidance")
    defer {
      try? FileManager.default.removeItem(at: out)
      try? FileManager.default.removeItem(at: model)
    }
    let files = try GuidanceFigure.render(ExplainContext(model: model, out: out, quick: true))
    try Self.check(files, in: out, first: "guidance.png")
  }

  @Test func figuresAreDeterministicForASeed() throws {
    let a = try ExplainFixtures.temporaryDirectory("det-a")
    let b = try ExplainFixtures.temporaryDirectory("det-b")
    defer {
      try? FileManager.default.removeItem(at: a)
      try? FileManager.default.removeItem(at: b)
    }
    _ = try ToyFigure.render(ExplainContext(out: a, seed: 3, quick: true))
    _ = try ToyFigure.render(ExplainContext(out: b, seed: 3, quick: true))
    let pa = try Data(contentsOf: a.appendingPathComponent("toy.png"))
    let pb = try Data(contentsOf: b.appendingPathComponent("toy.png"))
    #expect(pa == pb)
  }

  /// Variety is the mean per-pixel standard deviation across images: 0 for identical images,
  /// 0.5·√2·… for two images differing by a full black/white swap in every pixel (std of {0, 1}
  /// with n − 1 = 1 is 1/√2).
  @Test func varietyOfIdenticalAndOppositeImages() {
    let white = RasterImage(width: 2, height: 2, format: .grey, filledWith: 255)
    let black = RasterImage(width: 2, height: 2, format: .grey, filledWith: 0)
    #expect(GuidanceFigure.variety([white, white, white]) == 0)
    #expect(abs(GuidanceFigure.variety([white, black]) - 0.5.squareRoot()) < 1e-12)
  }
}
