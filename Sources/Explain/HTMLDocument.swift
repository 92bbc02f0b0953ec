/// The project's self-contained HTML pages (the explain index, the data-set map, the page of
/// `glyffuser serve`) share one document head: UTF-8, a phone-width viewport and the page's own
/// style and scripts, all inline — no external resources, so every page works offline and from a
/// file:// URL.
public enum HTMLDocument {
  /// `<!DOCTYPE html>` … `</html>` with `title` (escaped here), `style` in the head's `<style>`,
  /// `head` (extra markup, e.g. a `<script>`) after it, and `body` as the body's markup.
  public static func page(title: String, style: String, head: String = "", body: String)
    -> String
  {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escape(title))</title>
    <style>
    \(style)
    </style>
    \(head)
    </head>
    <body>
    \(body)
    </body>
    </html>

    """
  }

  /// Head markup for a page served over HTTP: an empty favicon, so the browser asks the server
  /// for nothing the page does not name.
  public static let emptyFavicon = #"<link rel="icon" href="data:,">"#

  /// `s` with the five characters that are markup in HTML text and attribute values escaped.
  public static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }
}
