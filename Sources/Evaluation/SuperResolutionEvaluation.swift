import Diffusion
import Foundation
import GlyphData
import Imaging
import JobControl
import Tensors

/// How well a way of upsampling glyphs works (`glyffuser eval-sr`), measured two ways:
///
/// 1. **Real glyphs.** Held-out characters of a high-resolution data set (the evaluation's fixed
///    held-out order, `GlyphEvaluation.heldOut`) are box-downsampled to the low resolution
///    (`GlyphDownsample`, as every small-glyph consumer sees them), upsampled back, and compared
///    with the originals: PSNR and stroke F1 (`UpsamplingQuality`), plus the judge's radical
///    top-1 of the result (read at 32 px, so it must equal the input's unless the upsampler
///    changed the character).
/// 2. **Generated glyphs.** A base model draws one glyph per held-out definition; the judge's
///    radical top-1 of the base glyphs and of each upsampler's output says whether the stage
///    keeps what the base model drew.
///
/// Seconds per glyph are wall-clock on this machine, whole batches included.
public struct SuperResolutionEvaluation {
  /// An upsampler: low-resolution bytes of `count` glyphs → high-resolution bytes; glyph i of
  /// a call uses `seeds[i]`.
  public struct Method {
    public var name: String
    public var upsample: (_ low: [UInt8], _ count: Int, _ seeds: [UInt64]) throws -> [UInt8]

    public init(
      name: String,
      upsample: @escaping (_ low: [UInt8], _ count: Int, _ seeds: [UInt64]) throws -> [UInt8]
    ) {
      self.name = name
      self.upsample = upsample
    }

    /// Bilinear or bicubic interpolation (`GlyphUpsample`), rounded to bytes.
    public static func interpolation(_ kernel: GlyphUpsample.Kernel, factor: Int, side: Int)
      -> Method
    {
      Method(name: kernel == .bicubic ? "bicubic" : "bilinear") { low, count, _ in
        GlyphUpsample.upsample(
          low.map(Float.init), count: count, side: side, factor: factor, kernel: kernel
        ).map { UInt8(max(0, min(255, $0.rounded()))) }
      }
    }

    /// Super-resolution stages run one after another (one stage, or a cascade of ×2 stages),
    /// each with its own sampler and steps.
    public static func stages(_ stages: [SuperResolutionStage], name: String, batch: Int)
      -> Method
    {
      Method(name: name) { low, count, seeds in
        var current = low
        for stage in stages {
          let s = stage.record.lowResolution
          var out: [UInt8] = []
          var start = 0
          while start < count {
            let n = min(batch, count - start)
            let x = GlyphPixels.tensor(
              Array(current[start * s * s..<(start + n) * s * s]), count: n, side: s)
            out += GlyphPixels.bytes(
              try stage.upsample(x, seeds: Array(seeds[start..<start + n])))
            start += n
          }
          current = out
        }
        return current
      }
    }
  }

  /// One upsampler's numbers.
  public struct Row: Codable, Sendable {
    public var method: String
    /// Real held-out glyphs: mean PSNR (dB) and mean outline F1 over glyphs, with a 1-pixel
    /// tolerance and exact (`UpsamplingQuality`).
    public var psnr: Double
    public var strokeF1: Double
    public var strokeF1Exact: Double
    /// The judge's radical top-1 on the upsampled real glyphs.
    public var radicalTop1Real: Double
    /// The judge's radical top-1 on the upsampled generated glyphs (nil without a base model).
    public var radicalTop1Generated: Double?
    public var secondsPerGlyph: Double

    enum CodingKeys: String, CodingKey {
      case method, psnr
      case strokeF1 = "stroke_f1"
      case strokeF1Exact = "stroke_f1_exact"
      case radicalTop1Real = "radical_top1_real"
      case radicalTop1Generated = "radical_top1_generated"
      case secondsPerGlyph = "seconds_per_glyph"
    }
  }

  /// The whole evaluation's result.
  public struct Report: Codable, Sendable {
    public var characters: Int
    public var lowResolution: Int
    public var highResolution: Int
    /// The judge on the low-resolution real glyphs and on the base model's glyphs, before any
    /// upsampling.
    public var radicalTop1RealLow: Double
    public var radicalTop1GeneratedBase: Double?
    public var rows: [Row]

    enum CodingKeys: String, CodingKey {
      case characters, rows
      case lowResolution = "low_resolution"
      case highResolution = "high_resolution"
      case radicalTop1RealLow = "radical_top1_real_low"
      case radicalTop1GeneratedBase = "radical_top1_generated_base"
    }
  }

  public let dataset: GlyphDataset
  public let judge: GlyphJudge
  public let factor: Int
  public let characters: Int
  public var progress: ProgressHandler = { _ in }

  public init(dataset: GlyphDataset, judge: GlyphJudge, factor: Int, characters: Int) throws {
    guard factor >= 2, dataset.size % factor == 0 else {
      throw EvaluationError.invalidOption(
        "the data set's \(dataset.size) px glyphs cannot be box-downsampled by \(factor)")
    }
    guard (1...100_000).contains(characters) else {
      throw EvaluationError.invalidOption("characters must be 1…100,000")
    }
    self.dataset = dataset
    self.judge = judge
    self.factor = factor
    self.characters = characters
  }

  public var lowSize: Int { dataset.size / factor }

  /// Runs every method on the real held-out glyphs and, with `base`, on that model's glyphs for
  /// the same definitions (one each, seeds `seed + i`, `steps` DPM-Solver++ steps at guidance
  /// `guidance`). Returns the report and, per method, the upsampled real and generated glyphs
  /// (for the comparison sheet).
  public func run(
    methods: [Method], base: GlyphGenerator?, steps: Int = 20, guidance: Float = 3,
    seed: UInt64 = 0
  ) throws -> (
    report: Report, real: [[UInt8]], generated: [[UInt8]], low: [UInt8], baseGlyphs: [UInt8]
  ) {
    let labels = try dataset.requireLabels()
    let chosen = try GlyphEvaluation.heldOut(dataset, count: characters)
    let n = chosen.count
    let truth = chosen.map { labels.radicals[$0] - 1 }
    let (s, S) = (lowSize, dataset.size)
    let high = dataset.pixels(of: chosen)
    let low = GlyphDownsample.box(high, count: n, from: S, to: s)
    let seeds = (0..<n).map { seed &+ UInt64($0) }
    func top1(_ bytes: [UInt8], size: Int) throws -> Double {
      let r = judge.read(try judge.inputs(bytes, count: n, size: size))
      var hits = 0
      for i in 0..<n where r.topClasses(i, k: 1).first == truth[i] { hits += 1 }
      return Double(hits) / Double(n)
    }
    var baseGlyphs: [UInt8] = []
    if let base {
      guard base.sampleSize == s else {
        throw EvaluationError.invalidOption(
          "the base model draws \(base.sampleSize) px glyphs; the stages upsample \(s) px")
      }
      var start = 0
      while start < n {
        let m = min(64, n - start)
        let e = base.encoder.encode(chosen[start..<start + m].map { dataset.captions[$0] })
          .padded(to: base.paddedLength)
        let x = try base.pipeline.generate(
          prompts: GlyphPipeline.Conditioning(text: e.hiddenStates, mask: e.mask),
          empty: base.empty, steps: steps, guidance: guidance, seed: seed &+ UInt64(start))
        baseGlyphs += GlyphPixels.bytes(x)
        start += m
        progress(JobProgress(stage: "base glyphs", done: start, total: n))
      }
    }
    var report = Report(
      characters: n, lowResolution: s, highResolution: S,
      radicalTop1RealLow: try top1(low, size: s),
      radicalTop1GeneratedBase: base == nil ? nil : try top1(baseGlyphs, size: s), rows: [])
    var realOut: [[UInt8]] = []
    var generatedOut: [[UInt8]] = []
    for (k, method) in methods.enumerated() {
      let began = Date()
      let up = try method.upsample(low, n, seeds)
      let seconds = Date().timeIntervalSince(began) / Double(n)
      var (psnr, f1, exact) = (0.0, 0.0, 0.0)
      for i in 0..<n {
        let r = i * S * S..<(i + 1) * S * S
        psnr += UpsamplingQuality.psnr(up[r], high[r])
        f1 += UpsamplingQuality.strokeF1(up[r], high[r], side: S)
        exact += UpsamplingQuality.strokeF1(up[r], high[r], side: S, tolerance: 0)
      }
      var row = Row(
        method: method.name, psnr: psnr / Double(n), strokeF1: f1 / Double(n),
        strokeF1Exact: exact / Double(n),
        radicalTop1Real: try top1(up, size: S), radicalTop1Generated: nil,
        secondsPerGlyph: seconds)
      realOut.append(up)
      if base != nil {
        let g = try method.upsample(baseGlyphs, n, seeds)
        row.radicalTop1Generated = try top1(g, size: S)
        generatedOut.append(g)
      }
      report.rows.append(row)
      progress(
        JobProgress(stage: "methods", done: k + 1, total: methods.count, detail: method.name))
    }
    return (report, realOut, generatedOut, low, baseGlyphs)
  }
}
