import Foundation
import GlyphData
import Imaging

/// The interactive `dataset-map.html`: one self-contained page (inline CSS and JS, images as
/// `data:` URIs, no network). A canvas draws the density and the points; hovering a point shows
/// its glyph (cut from one sprite PNG of every glyph), its character as the browser's font draws
/// it, its code point and its definition; the search box takes a character (明), `U+660E` or
/// `660E` and marks that glyph.
enum DatasetMapPage {
  /// Glyph thumbnails in the sprite are at most this many pixels (64 px data sets are halved).
  static let maxTile = 32
  static let spriteColumns = 128
  static let spriteLevels = 4

  static func html(_ map: DatasetEmbedding) throws -> String {
    let dataset = map.dataset
    let y = map.fitted.embedding
    let n = dataset.count
    let bounds = MapBounds(embedding: y)
    let (sprite, tile) = spriteImage(dataset)
    let grid = 240
    let kde = KDE2D(
      xs: (0..<n).map { Double(y[2 * $0]) }, ys: (0..<n).map { Double(y[2 * $0 + 1]) },
      columns: grid, rows: grid, x: bounds.x, y: bounds.y)
    let density = densityImage(kde)
    let spriteURI =
      "data:image/png;base64,"
      + Data(try PNGEncoder.encode(sprite, level: 9))
      .base64EncodedString()
    let densityURI =
      "data:image/png;base64,"
      + Data(try PNGEncoder.encode(density))
      .base64EncodedString()

    var json = "{\"n\":\(n),\"tile\":\(tile),\"cols\":\(spriteColumns),\"size\":\(dataset.size)"
    json += ",\"bounds\":[\(bounds.x.lowerBound),\(bounds.x.upperBound),"
    json += "\(bounds.y.lowerBound),\(bounds.y.upperBound)]"
    json += ",\"xy\":[" + y.map { String(format: "%.3f", $0) }.joined(separator: ",") + "]"
    json += ",\"cp\":[" + dataset.codepoints.map { String($0) }.joined(separator: ",") + "]"
    let defs = try JSONSerialization.data(withJSONObject: dataset.captions)
    json += ",\"def\":" + String(decoding: defs, as: UTF8.self)
    let exemplars = StructureExemplars.present(in: dataset.codepoints)
    json +=
      ",\"ex\":["
      + exemplars.map { "[\($0.index),\($0.leftRight ? 1 : 0)]" }
      .joined(separator: ",") + "]"
    json += ",\"sprite\":\"\(spriteURI)\",\"density\":\"\(densityURI)\"}"
    // Inside <script>, "</" could close the element early; "<\/" is the same JSON string.
    json = json.replacingOccurrences(of: "</", with: "<\\/")

    let title = "Glyffuser — the data set in 2-D (UMAP)"
    return HTMLDocument.page(
      title: title, style: css, head: HTMLDocument.emptyFavicon,
      body: """
        <h1>\(title)</h1>
        <p>Each dot is one of the \(n) glyphs (\(dataset.size)×\(dataset.size) px), placed by UMAP
        so that glyphs with similar pixels lie close together; the shading is their density.
        Framed glyphs are examples of left–right compositions (blue, like 明) and top–bottom ones
        (orange, like 草). Hover a dot to see its glyph and definition, or search a character.</p>
        <div id="controls"><label for="search">Find a character:</label>
        <input id="search" type="search" placeholder="明, U+660E or 660E" autocomplete="off">
        <span id="status"></span></div>
        <div id="wrap"><canvas id="map"></canvas><div id="tip" hidden></div></div>
        <script id="data" type="application/json">\(json)</script>
        <script>\(script)</script>
        """)
  }

  /// Every glyph in a grid of `spriteColumns` tiles (2×2 box-averaged while larger than
  /// `maxTile`), row-major in data-set order, grey levels rounded to `spriteLevels` values: with
  /// 4 levels the 64 px data set's sprite is ~2.7 MB instead of 7.5 MB (anti-aliasing stays
  /// visible in a 64 px preview).
  static func spriteImage(_ dataset: GlyphDataset) -> (RasterImage, Int) {
    var factor = 1
    while dataset.size / factor > maxTile && dataset.size % (factor * 2) == 0 { factor *= 2 }
    let tile = dataset.size / factor
    let rows = (dataset.count + spriteColumns - 1) / spriteColumns
    let width = spriteColumns * tile
    var pixels = [UInt8](repeating: 255, count: width * rows * tile)
    let s = dataset.size
    let area = factor * factor
    dataset.images.withUnsafeBufferPointer { src in
      for i in 0..<dataset.count {
        let ox = (i % spriteColumns) * tile
        let oy = (i / spriteColumns) * tile
        for ty in 0..<tile {
          for tx in 0..<tile {
            var sum = 0
            for dy in 0..<factor {
              for dx in 0..<factor {
                sum += Int(src[i * s * s + (ty * factor + dy) * s + tx * factor + dx])
              }
            }
            let mean = (sum + area / 2) / area
            let level = (mean * (spriteLevels - 1) + 127) / 255
            pixels[(oy + ty) * width + ox + tx] = UInt8(level * 255 / (spriteLevels - 1))
          }
        }
      }
    }
    return (RasterImage(width: width, height: rows * tile, format: .grey, pixels: pixels), tile)
  }

  /// The density grid as an RGB image in the figure's colours (row 0 = top = largest y).
  static func densityImage(_ kde: KDE2D) -> RasterImage {
    let peak = kde.values.max() ?? 1
    var pixels = [UInt8]()
    pixels.reserveCapacity(kde.values.count * 3)
    for v in kde.values {
      let c = DatasetMapFigure.densityColors.color(at: peak > 0 ? v / peak : 0)
      pixels.append(contentsOf: [c.r, c.g, c.b])
    }
    return RasterImage(width: kde.columns, height: kde.rows, format: .rgb, pixels: pixels)
  }

  static let css = """
    body { font: 15px/1.45 system-ui, sans-serif; margin: 24px; color: #1b2a3a; max-width: 980px; }
    h1 { font-size: 22px; margin: 0 0 8px; }
    #controls { margin: 12px 0; display: flex; gap: 10px; align-items: center; }
    #search { font-size: 16px; padding: 4px 8px; width: 220px; }
    #status { color: #555; }
    #wrap { position: relative; width: 900px; height: 900px; border: 1px solid #ccd; }
    #map { width: 900px; height: 900px; display: block; cursor: crosshair; }
    #tip { position: absolute; pointer-events: none; background: #fff; border: 1px solid #99a;
      border-radius: 6px; padding: 8px 10px; box-shadow: 0 2px 8px rgba(0,0,0,.2);
      max-width: 300px; display: flex; gap: 10px; }
    #tip[hidden] { display: none; }
    #tip .glyph { width: 64px; height: 64px; flex: none; image-rendering: pixelated;
      border: 1px solid #ddd; }
    #tip .char { font-size: 28px; line-height: 1.1; }
    #tip .cp { color: #666; font-size: 13px; }
    #tip .def { font-size: 13px; }
    """

  static let script = """
    "use strict";
    const D = JSON.parse(document.getElementById("data").textContent);
    const W = 900, G = 60;
    const canvas = document.getElementById("map");
    const dpr = window.devicePixelRatio || 1;
    canvas.width = W * dpr; canvas.height = W * dpr;
    const ctx = canvas.getContext("2d");
    ctx.scale(dpr, dpr);
    const [x0, x1, y0, y1] = D.bounds;
    const px = i => (D.xy[2 * i] - x0) / (x1 - x0) * W;
    const py = i => (y1 - D.xy[2 * i + 1]) / (y1 - y0) * W;
    // Spatial buckets for hover look-ups.
    const buckets = Array.from({ length: G * G }, () => []);
    const cell = v => Math.min(G - 1, Math.max(0, Math.floor(v / W * G)));
    for (let i = 0; i < D.n; i++) buckets[cell(py(i)) * G + cell(px(i))].push(i);
    const index = new Map();
    for (let i = 0; i < D.n; i++) if (!index.has(D.cp[i])) index.set(D.cp[i], i);
    const base = document.createElement("canvas");
    base.width = W * dpr; base.height = W * dpr;
    const colours = ["#d9480f", "#1f5fbf"];
    let hover = -1, found = -1;

    function load(src) {
      return new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = () => reject(new Error("image failed to load"));
        img.src = src;
      });
    }
    function drawTile(c, sprite, i, x, y, size) {
      const t = D.tile, sx = (i % D.cols) * t, sy = Math.floor(i / D.cols) * t;
      c.drawImage(sprite, sx, sy, t, t, x - size / 2, y - size / 2, size, size);
    }
    function drawBase(density, sprite) {
      const b = base.getContext("2d");
      b.scale(dpr, dpr);
      b.imageSmoothingEnabled = true;
      b.drawImage(density, 0, 0, W, W);
      b.fillStyle = "rgba(27,42,58,0.3)";
      for (let i = 0; i < D.n; i++) b.fillRect(px(i) - 1, py(i) - 1, 2, 2);
      // Example glyphs: at their own point if free, else on the first free spot of rings
      // around it with a leader line (as in dataset-map.png), in priority order (明, 草, …).
      const B = 36, GAP = 40, boxes = [], placed = [];
      for (const [i, lr] of D.ex) {
        const x = px(i), y = py(i), spots = [[x, y]];
        for (const r of [48, 86, 124, 162])
          for (let k = 0; k < 16; k++)
            spots.push([x + r * Math.cos(k * Math.PI / 8), y + r * Math.sin(k * Math.PI / 8)]);
        const s = spots.find(([cx, cy]) => cx >= B / 2 && cx <= W - B / 2 && cy >= B / 2 &&
          cy <= W - B / 2 && boxes.every(([bx, by]) => Math.abs(bx - cx) >= GAP || Math.abs(by - cy) >= GAP));
        if (!s) continue;
        boxes.push(s); placed.push([i, lr, s]);
      }
      for (const [i, lr, [sx, sy]] of placed) {
        b.strokeStyle = colours[lr]; b.lineWidth = 1.2;
        b.beginPath(); b.moveTo(px(i), py(i)); b.lineTo(sx, sy); b.stroke();
      }
      for (const [i, lr, [sx, sy]] of placed) {
        b.fillStyle = "#fff";
        b.fillRect(sx - B / 2, sy - B / 2, B, B);
        drawTile(b, sprite, i, sx, sy, 32);
        b.strokeStyle = colours[lr]; b.lineWidth = 2;
        b.strokeRect(sx - B / 2, sy - B / 2, B, B);
        if (sx !== px(i) || sy !== py(i)) {
          b.fillStyle = colours[lr];
          b.beginPath(); b.arc(px(i), py(i), 2.5, 0, 2 * Math.PI); b.fill();
        }
      }
    }
    function ring(i, colour) {
      ctx.beginPath(); ctx.arc(px(i), py(i), 7, 0, 2 * Math.PI);
      ctx.strokeStyle = colour; ctx.lineWidth = 2.5; ctx.stroke();
    }
    function redraw() {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(base, 0, 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      if (found >= 0) ring(found, "#e0007a");
      if (hover >= 0 && hover !== found) ring(hover, "#111");
    }
    const hex = cp => "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
    const tip = document.getElementById("tip");
    function show(i) {
      if (i < 0) { tip.hidden = true; return; }
      const t = D.tile, scale = 64 / t;
      tip.replaceChildren();
      const g = document.createElement("div");
      g.className = "glyph";
      g.style.backgroundImage = "url(" + D.sprite + ")";
      g.style.backgroundSize = (D.cols * 64) + "px auto";
      g.style.backgroundPosition = -(i % D.cols) * 64 + "px " + -Math.floor(i / D.cols) * 64 + "px";
      const text = document.createElement("div");
      const ch = document.createElement("div"); ch.className = "char";
      ch.textContent = String.fromCodePoint(D.cp[i]);
      const cp = document.createElement("div"); cp.className = "cp"; cp.textContent = hex(D.cp[i]);
      const def = document.createElement("div"); def.className = "def"; def.textContent = D.def[i];
      text.append(ch, cp, def);
      tip.append(g, text);
      tip.hidden = false;
      const x = px(i), y = py(i);
      tip.style.left = (x + 14 + 300 > W ? x - 314 : x + 14) + "px";
      tip.style.top = Math.min(y + 14, W - tip.offsetHeight - 4) + "px";
    }
    function nearest(mx, my) {
      let best = -1, bestD = 100;  // within 10 px
      const cx = cell(mx), cy = cell(my);
      for (let gy = Math.max(0, cy - 1); gy <= Math.min(G - 1, cy + 1); gy++)
        for (let gx = Math.max(0, cx - 1); gx <= Math.min(G - 1, cx + 1); gx++)
          for (const i of buckets[gy * G + gx]) {
            const d = (px(i) - mx) ** 2 + (py(i) - my) ** 2;
            if (d < bestD) { bestD = d; best = i; }
          }
      return best;
    }
    canvas.addEventListener("mousemove", e => {
      const r = canvas.getBoundingClientRect();
      hover = nearest(e.clientX - r.left, e.clientY - r.top);
      redraw();
      show(hover >= 0 ? hover : found);
    });
    canvas.addEventListener("mouseleave", () => { hover = -1; redraw(); show(found); });
    const status = document.getElementById("status");
    function search(q) {
      q = q.trim();
      found = -1;
      if (q === "") { status.textContent = ""; redraw(); show(-1); return; }
      let cp;
      const m = /^(?:U\\+|0x)?([0-9a-f]{4,6})$/i.exec(q);
      if (m) cp = parseInt(m[1], 16); else cp = q.codePointAt(0);
      const ch = String.fromCodePoint(cp);
      if (index.has(cp)) {
        found = index.get(cp);
        status.textContent = ch + " " + hex(cp) + " is marked.";
      } else {
        status.textContent = ch + " " + hex(cp) + " is not in the data set.";
      }
      redraw(); show(found);
    }
    document.getElementById("search").addEventListener("input", e => search(e.target.value));
    Promise.all([load(D.density), load(D.sprite)]).then(([density, sprite]) => {
      drawBase(density, sprite);
      redraw();
      const q = new URLSearchParams(location.search).get("q");
      if (q) { document.getElementById("search").value = q; search(q); }
    });
    """
}
