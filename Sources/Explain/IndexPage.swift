import Foundation

/// `index.html` for `glyffuser explain all`: the figures in the article's order under its three
/// section headings, one caption line each, images by relative path, links to a figure's HTML
/// version where it has one, and a note for every figure that was skipped. Self-contained: inline
/// CSS, and an inline script that only watches for errors (a failed image, a script error) and
/// writes the verdict into `#explain-status` — "EXPLAIN-OK" or "EXPLAIN-ERROR: …" — so a headless
/// browser's `--dump-dom` can check the page (scripts/test-explain-html).
public enum IndexPage {
  /// One figure's line in the page.
  public struct Entry: Sendable, Equatable {
    public var name: String
    public var caption: String
    /// Files written, relative to the page (the first is the one shown); empty when skipped.
    public var files: [String]
    /// Why the figure was not drawn (e.g. "needs --model"); nil when it was.
    public var skipped: String?

    public init(name: String, caption: String, files: [String], skipped: String? = nil) {
      self.name = name
      self.caption = caption
      self.files = files
      self.skipped = skipped
    }
  }

  /// The article's sections, each opened by the figure named here; a figure not named continues
  /// the section of the one before it, so new figures need no entry.
  public static let sections: [(title: String, opener: String)] = [
    ("What exactly is it that diffusion models learn?", "gaussian"),
    ("How and why do they work?", "forward"),
    ("How do you get useful stuff out of it?", "conditioning"),
  ]

  public static let title = "Glyffuser — what diffusion models learn, drawn from your data"

  public static func html(_ entries: [Entry]) -> String {
    var body = ""
    var section = -1
    for (number, entry) in entries.enumerated() {
      let opens = sections.firstIndex { $0.opener == entry.name }
      let target = opens ?? max(section, 0)
      if target != section {
        if section >= 0 { body += "</section>\n" }
        section = target
        body += "<section>\n<h2>\(HTMLDocument.escape(sections[section].title))</h2>\n"
      }
      body += figureHTML(entry, number: number + 1)
    }
    if section >= 0 { body += "</section>\n" }
    return HTMLDocument.page(
      title: title, style: style, head: errorReporter,
      body: """
        <div id="explain-status" hidden>EXPLAIN-PENDING</div>
        <h1>\(HTMLDocument.escape(title))</h1>
        <p class="lead">The figures of the article “What exactly is it that diffusion models learn?”, drawn by <code>glyffuser explain all</code> from this data set and model.</p>
        \(body)
        """)
  }

  static let style = """
    body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222;
           max-width: 1320px; margin: 0 auto; padding: 24px; background: #fafafa; }
    h1 { font-size: 26px; margin: 0 0 4px; }
    h2 { font-size: 21px; margin: 36px 0 12px; border-bottom: 1px solid #ddd; padding-bottom: 6px; }
    p.lead { color: #555; margin: 0 0 12px; }
    figure { margin: 0 0 28px; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px;
             padding: 12px; }
    figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
    figure img + img { margin-top: 10px; }
    figcaption { color: #444; margin-top: 8px; font-size: 15px; }
    figcaption b { color: #111; }
    .files { font-size: 13px; color: #666; }
    .skipped { color: #8a5a00; background: #fff8e6; border: 1px solid #f0d9a0; border-radius: 6px;
               padding: 10px 12px; margin: 0 0 20px; }
    #explain-status { font-family: monospace; color: #b00; white-space: pre-wrap; }
    """

  /// Reports failed images and script errors in #explain-status (EXPLAIN-OK when none), which
  /// `scripts/test-explain-html` reads from headless Chromium.
  static let errorReporter = """
    <script>
    (function () {
      var errors = [];
      function report(message) { errors.push(String(message)); show(); }
      function show() {
        var el = document.getElementById("explain-status");
        if (!el) return;
        el.textContent = errors.length ? "EXPLAIN-ERROR: " + errors.join(" | ") : "EXPLAIN-OK";
        el.hidden = errors.length === 0;
      }
      // Capture phase: resource errors (an <img> that fails) do not bubble to window.
      window.addEventListener("error", function (e) {
        var t = e.target;
        if (t && t !== window && (t.src || t.href)) report("failed to load " + (t.src || t.href));
        else report((e.message || "script error") + (e.filename ? " at " + e.filename + ":" + e.lineno : ""));
      }, true);
      window.addEventListener("unhandledrejection", function (e) { report("unhandled rejection: " + e.reason); });
      var consoleError = console.error;
      console.error = function () {
        report(Array.prototype.join.call(arguments, " "));
        return consoleError.apply(console, arguments);
      };
      window.addEventListener("load", function () {
        for (var i = 0; i < document.images.length; i++) {
          var img = document.images[i];
          if (!img.complete || img.naturalWidth === 0) report("image not shown: " + img.getAttribute("src"));
        }
        show();
      });
    })();
    </script>
    """

  static func figureHTML(_ entry: Entry, number: Int) -> String {
    let label = "Figure \(number) · \(HTMLDocument.escape(entry.name))"
    if let why = entry.skipped {
      return "<div class=\"skipped\"><b>\(label)</b> was not drawn: \(HTMLDocument.escape(why)). "
        + "<span class=\"files\">\(HTMLDocument.escape(entry.caption))</span></div>\n"
    }
    let images = entry.files.filter { isImage($0) }
    let others = entry.files.filter { !isImage($0) }
    var html = "<figure id=\"\(HTMLDocument.escape(entry.name))\">\n"
    for file in images {
      html +=
        "<img src=\"\(HTMLDocument.escape(percentEncoded(file)))\" alt=\"\(HTMLDocument.escape(entry.caption))\">\n"
    }
    html += "<figcaption><b>\(label).</b> \(HTMLDocument.escape(entry.caption))"
    if !others.isEmpty {
      let links = others.map {
        let kind = $0.hasSuffix(".html") ? "interactive version" : $0
        return
          "<a href=\"\(HTMLDocument.escape(percentEncoded($0)))\">\(HTMLDocument.escape(kind))</a>"
      }
      html += " <span class=\"files\">(\(links.joined(separator: ", ")))</span>"
    }
    html += "</figcaption>\n</figure>\n"
    return html
  }

  static func isImage(_ file: String) -> Bool {
    let ext = (file as NSString).pathExtension.lowercased()
    return ["png", "gif", "jpg", "jpeg", "svg", "webp"].contains(ext)
  }

  static func percentEncoded(_ path: String) -> String {
    path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
  }

  /// Writes `index.html` into `directory`.
  @discardableResult
  public static func write(_ entries: [Entry], to directory: URL) throws -> URL {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent("index.html")
    try Data(html(entries).utf8).write(to: url, options: .atomic)
    return url
  }
}
