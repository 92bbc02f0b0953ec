import Foundation
import Testing

@testable import Explain

@Suite struct IndexPageTests {
  static let entries: [IndexPage.Entry] = [
    .init(name: "gaussian", caption: "N(0, 1) <samples> & fit", files: ["gaussian.png"]),
    .init(name: "dataset-map", caption: "map", files: ["dataset-map.png", "dataset-map.html"]),
    .init(name: "forward", caption: "forward", files: ["forward.png"]),
    .init(name: "toy", caption: "toy", files: ["toy.png"]),
    .init(name: "conditioning", caption: "cond", files: ["conditioning.png"]),
    .init(name: "denoise", caption: "denoise", files: [], skipped: "needs --model"),
  ]

  @Test func sectionsAppearInTheArticlesOrder() throws {
    let html = IndexPage.html(Self.entries)
    let positions = try IndexPage.sections.map { s in
      try #require(html.range(of: "<h2>\(HTMLDocument.escape(s.title))</h2>")).lowerBound
    }
    #expect(positions == positions.sorted())
    // Each figure sits in its section: gaussian and dataset-map before "How and why …", forward
    // and toy before "How do you get useful stuff …", conditioning after it.
    func at(_ s: String) throws -> String.Index { try #require(html.range(of: s)).lowerBound }
    #expect(try at("src=\"dataset-map.png\"") < positions[1])
    #expect(try at("src=\"toy.png\"") > positions[1] && at("src=\"toy.png\"") < positions[2])
    #expect(try at("src=\"conditioning.png\"") > positions[2])
    #expect(html.components(separatedBy: "<section>").count == 4)
  }

  @Test func captionsAreEscapedAndLinksAndNotesWritten() {
    let html = IndexPage.html(Self.entries)
    #expect(html.contains("N(0, 1) &lt;samples&gt; &amp; fit"))
    #expect(!html.contains("<samples>"))
    #expect(html.contains("<a href=\"dataset-map.html\">interactive version</a>"))
    #expect(!html.contains("src=\"dataset-map.html\""))
    #expect(html.contains("Figure 6 · denoise</b> was not drawn: needs --model"))
    #expect(html.contains("Figure 1 · gaussian."))
  }

  /// Self-contained: no external scripts, styles or fonts.
  @Test func pageLoadsNothingExternal() {
    let html = IndexPage.html(Self.entries)
    #expect(!html.contains("<script src"))
    #expect(!html.contains("<link"))
    #expect(!html.contains("http://") && !html.contains("https://"))
    #expect(html.contains("id=\"explain-status\""))
  }
}
