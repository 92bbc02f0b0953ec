import Explain

/// The page `glyffuser serve` shows at `/`: plain HTML, CSS and JavaScript in one string, no
/// external resources, so it works offline. It reads `/api/info`, streams `/api/generate` with an
/// `EventSource` (every step's x_t and predicted x₀ drawn as they arrive, a progress bar with an
/// estimate of the time left, cancel by closing the stream) and lists `/api/gallery`.
enum ServerPage {
  static let html = HTMLDocument.page(
    title: "Glyffuser", style: style, head: HTMLDocument.emptyFavicon, body: body)

  static let style = #"""
    body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222;
           max-width: 1100px; margin: 0 auto; padding: 20px; background: #fafafa; }
    h1 { font-size: 1.6em; margin: 0 0 4px; } .sub { color: #666; margin: 0 0 16px; }
    form { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; background: #fff;
           padding: 12px; border: 1px solid #ddd; border-radius: 6px; }
    label { display: flex; flex-direction: column; font-size: 0.8em; color: #555; gap: 3px; }
    input, select, button { font-size: 1em; padding: 5px 7px; }
    input[name=prompt] { width: 260px; } input[type=number] { width: 80px; }
    button { background: #1f77b4; color: #fff; border: 0; border-radius: 4px; padding: 7px 14px;
             cursor: pointer; } button.secondary { background: #888; }
    button:disabled { background: #bbb; cursor: default; }
    #progress { height: 8px; background: #e4e4e4; border-radius: 4px; margin: 14px 0 4px; }
    #bar { height: 100%; width: 0; background: #1f77b4; border-radius: 4px; }
    #status { font-size: 0.85em; color: #555; min-height: 1.2em; }
    .live { display: flex; gap: 24px; margin: 12px 0; }
    .live figure { margin: 0; text-align: center; font-size: 0.85em; color: #555; }
    .live img, .glyph, #large img { image-rendering: pixelated; background: #fff; border: 1px solid #ddd; }
    .live img { width: 256px; height: 256px; }
    #results { display: flex; flex-wrap: wrap; gap: 8px; }
    .glyph { width: 96px; height: 96px; cursor: pointer; }
    #large { display: none; margin: 12px 0; padding: 12px; background: #fff; border: 1px solid #ddd; }
    #large img { width: 256px; height: 256px; float: left; margin-right: 16px; }
    #large pre { font-size: 0.8em; white-space: pre-wrap; }
    #nearest { clear: both; display: flex; flex-wrap: wrap; gap: 10px; padding-top: 8px; }
    #nearest p { width: 100%; margin: 0; font-size: 0.85em; color: #444; }
    #nearest figure { margin: 0; width: 180px; font-size: 0.75em; color: #555; }
    #nearest img { width: 64px; height: 64px; float: none; margin: 0; image-rendering: pixelated; border: 1px solid #ddd; }
    #gallery { display: flex; flex-wrap: wrap; gap: 10px; }
    #gallery figure { margin: 0; width: 130px; font-size: 0.75em; color: #555; }
    #gallery img { width: 128px; image-rendering: pixelated; border: 1px solid #ddd; background: #fff; }
    """#

  static let body = #"""
    <h1>Glyffuser</h1>
    <p class="sub" id="model">Invent Chinese characters for English words, and watch them emerge from noise.</p>
    <p class="sub" id="explainLink" hidden><a href="/explain/" target="_blank">Explain: what the model learned, figure by figure, and the data set as a map</a></p>
    <form id="form">
      <label>Prompt <input name="prompt" list="suggestions" value="gold" required maxlength="1000"></label>
      <datalist id="suggestions">
        <option>gold</option><option>water</option><option>fire</option><option>tree</option>
        <option>bird</option><option>heart</option><option>speech</option><option>rain</option>
        <option>metal</option><option>fish</option><option>horse</option><option>silk</option>
      </datalist>
      <label>Count <input name="count" type="number" min="1" max="16" value="9"></label>
      <label>Sampler <select name="sampler" id="sampler"></select></label>
      <label>Steps <input name="steps" type="number" min="1" max="1000" value="20"></label>
      <label>Guidance <input name="guidance" type="number" min="0" max="30" step="0.5" value="3"></label>
      <label>Seed <input name="seed" type="number" min="0" placeholder="random"></label>
      <label>Size <select name="size" id="size" title="the model's size (a super-resolution stage would add 128)"></select></label>
      <button id="go" type="submit">Generate</button>
      <button id="cancel" type="button" class="secondary" disabled>Cancel</button>
      <button id="variations" type="button" class="secondary" disabled>Variations</button>
    </form>
    <div id="progress"><div id="bar"></div></div>
    <div id="status"></div>
    <div class="live">
      <figure><img id="xt" alt=""><figcaption>x<sub>t</sub>: the sample being denoised</figcaption></figure>
      <figure><img id="x0" alt=""><figcaption>the model's guess of the clean glyphs</figcaption></figure>
    </div>
    <div id="results"></div>
    <div id="large"><img id="largeImg" alt=""><pre id="largeText"></pre>
      <a id="download" download="glyph.png" href="#">Download PNG</a>
      <div id="nearest"></div></div>
    <section id="training" hidden>
      <h2>Training: <span id="runName"></span></h2>
      <p class="sub" id="runStatus"></p>
      <div class="live">
        <figure><img id="runLoss" alt="loss curves"><figcaption>loss (train, moving mean, validation)</figcaption></figure>
        <figure><img id="runSample" alt="latest preview grid"><figcaption id="runSampleCaption">the latest preview grid</figcaption></figure>
      </div>
      <figure id="runEvalFigure" hidden><img id="runEval" alt="evaluation curves"><figcaption>radical adherence and Fréchet distance</figcaption></figure>
    </section>
    <h2>Gallery</h2>
    <div id="gallery"></div>
    <script>
    "use strict";
    const $ = (id) => document.getElementById(id);
    let source = null, last = null;
    // What the current generation has shown: read by scripts/test-serve-browser.
    window.glyffuser = { frames: 0, done: false };
    async function info() {
      const r = await fetch("/api/info"); const i = await r.json();
      $("model").textContent = `Model ${i.model}` + (i.training_steps ? `, trained ${i.training_steps} steps` : "")
        + `, text encoder ${i.encoder}. Invent Chinese characters for English words.`;
      const size = document.createElement("option"); size.value = i.size; size.textContent = `${i.size} × ${i.size}`;
      $("size").appendChild(size);
      $("explainLink").hidden = !i.explain;
      if (i.run) { $("training").hidden = false; training(); setInterval(training, 5000); }
      for (const s of i.samplers) { const o = document.createElement("option"); o.textContent = s;
        if (s === "dpmpp-2m") o.selected = true; $("sampler").appendChild(o); }
    }
    // The Training tab (serve --run RUN): the run's numbers, curves and newest preview, reread
    // every five seconds while it trains.
    async function training() {
      const r = await fetch("/api/run"); if (!r.ok) return; const s = await r.json();
      const t = Date.now();
      $("runName").textContent = s.run;
      const fmt = (v, d) => v == null ? "–" : Number(v).toFixed(d);
      $("runStatus").textContent = s.step == null ? "no steps yet" :
        `step ${s.step} · loss ${fmt(s.loss, 4)} · validation ${fmt(s.val_loss, 4)} (EMA ${fmt(s.val_loss_ema, 4)})`
        + ` · ${fmt(s.img_per_s, 1)} img/s` + (s.idle_seconds > 120 ? " · not training now" : "");
      if (s.step != null) $("runLoss").src = `/api/run/loss.png?t=${t}`;
      if (s.sample_step != null) {
        $("runSample").src = `/api/run/sample.png?t=${t}`;
        $("runSampleCaption").textContent = `the preview grid at step ${s.sample_step}`;
      }
      $("runEvalFigure").hidden = !s.evaluated;
      if (s.evaluated) $("runEval").src = `/api/run/eval.png?t=${t}`;
    }
    // serve --dataset: the closest training glyphs, with their characters and definitions.
    function showNearest(answer) {
      const box = $("nearest"); box.innerHTML = "";
      if (!answer) return;
      const head = document.createElement("p");
      head.textContent = answer.copy ? "Nearest real characters — this glyph is a copy of the first:"
        : "Nearest real characters — this glyph is new (no training glyph is as close as a copy):";
      box.appendChild(head);
      for (const n of answer.neighbours) {
        const f = document.createElement("figure"); const img = document.createElement("img");
        img.src = n.image; img.alt = n.character;
        const c = document.createElement("figcaption");
        c.textContent = `${n.character} ${n.codepoint} · ${n.caption} · distance ${n.distance.toFixed(3)}`;
        f.append(img, c); box.appendChild(f);
      }
    }
    async function gallery() {
      const r = await fetch("/api/gallery"); const entries = await r.json();
      $("gallery").innerHTML = "";
      for (const e of entries.slice(0, 60)) {
        const f = document.createElement("figure"); const img = document.createElement("img");
        img.src = `/gallery/${e.id}.png`; img.title = JSON.stringify(e.request);
        const c = document.createElement("figcaption");
        c.textContent = `${e.request.prompt} · seed ${e.request.seed}`;
        f.append(img, c); $("gallery").appendChild(f);
      }
    }
    function finish(text) {
      if (source) source.close(); source = null;
      $("go").disabled = false; $("cancel").disabled = true; $("status").textContent = text;
    }
    function start(params) {
      if (source) source.close();
      $("results").innerHTML = ""; $("large").style.display = "none"; $("bar").style.width = "0";
      $("go").disabled = true; $("cancel").disabled = false;
      window.glyffuser = { frames: 0, done: false };
      const began = performance.now();
      source = new EventSource("/api/generate?" + new URLSearchParams(params));
      source.addEventListener("step", (m) => {
        const s = JSON.parse(m.data); $("xt").src = s.xt; $("x0").src = s.x0;
        window.glyffuser.frames += 1;
        const done = s.index + 1, frac = done / s.total;
        const left = (performance.now() - began) / done * (s.total - done) / 1000;
        $("bar").style.width = `${100 * frac}%`;
        $("status").textContent = `step ${done}/${s.total} · about ${left.toFixed(1)} s left`;
      });
      source.addEventListener("done", (m) => {
        const d = JSON.parse(m.data); last = d.request; $("variations").disabled = false;
        d.images.forEach((uri, i) => {
          const img = document.createElement("img"); img.src = uri; img.className = "glyph";
          img.onclick = () => {
            $("large").style.display = "block"; $("largeImg").src = uri; $("download").href = uri;
            $("download").download = `${d.request.prompt}-${d.request.seed + i}.png`;
            $("largeText").textContent = `prompt: ${d.request.prompt}\nseed: ${d.request.seed + i}`
              + ` (count 1; or image ${i} of count ${d.request.count} from seed ${d.request.seed})`
              + `\nsampler: ${d.request.sampler}, ${d.request.steps} steps, guidance ${d.request.guidance}`;
            showNearest(d.nearest ? d.nearest[i] : null);
          };
          $("results").appendChild(img);
        });
        finish(`${d.images.length} glyphs in ${d.seconds.toFixed(1)} s · seed ${d.request.seed}`);
        window.glyffuser.done = true;
        gallery();
      });
      source.addEventListener("error", (m) => {
        if (m.data) { finish("error: " + JSON.parse(m.data).message); }
        else if (source) { finish("the stream closed (is the server running?)"); }
      });
    }
    $("form").addEventListener("submit", (e) => {
      e.preventDefault();
      const params = Object.fromEntries(new FormData($("form")));
      if (params.seed === "") delete params.seed;
      start(params);
    });
    $("cancel").onclick = () => finish("cancelled");
    $("variations").onclick = () => {
      if (!last) return; start({ ...last, seed: last.seed + last.count });
    };
    // A link with settings in its query (…/?prompt=gold&count=9&seed=3) fills the form and draws.
    const shared = new URLSearchParams(location.search);
    for (const [k, v] of shared) { const f = $("form").elements[k]; if (f) f.value = v; }
    info().then(gallery).then(() => { if (shared.get("prompt")) $("go").click(); });
    </script>
    """#
}
