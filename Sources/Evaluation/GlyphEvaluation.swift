import Diffusion
import Foundation
import GlyphData
import JobControl
import Tensors
import TextEncoding

/// What `glyffuser eval` reports. The twelve metric keys are the contract of `--json`; the
/// rest says exactly what was measured (settings, model and judge digests, timings).
public struct EvalReport: Sendable, Codable {
  /// Share of generated glyphs whose top-1 (top-5) judged radical is the held-out character's.
  public var radicalTop1: Double
  public var radicalTop5: Double
  /// The judge on the real glyphs of the same characters: the ceiling.
  public var radicalTop1Real: Double
  /// The same labels scored on unconditional samples (empty prompt): the floor.
  public var radicalTop1Uncond: Double
  /// Fréchet distance in judge features, generated vs real held-out glyphs.
  public var fd: Double
  /// The same distance between two real sets of the same size (held-out vs training subset).
  public var fdRealFloor: Double
  /// KID (unbiased MMD², cubic kernel) and its standard deviation over subsets.
  public var kid: Double
  public var kidStd: Double
  /// Kynkäänniemi et al. (2019) precision (realism) and recall (diversity), k = 3.
  public var precision: Double
  public var recall: Double
  /// Share of generated glyphs that are copies of a training glyph (`NoveltySearch`).
  public var copies: Double
  /// Wall-clock seconds of the whole evaluation.
  public var seconds: Double

  public var settings: EvalOptions
  public var model: String
  public var modelSHA256: String
  public var judge: String
  public var judgeSHA256: String
  /// Seconds per phase.
  public var timings: [String: Double]

  enum CodingKeys: String, CodingKey {
    case fd, kid, precision, recall, copies, seconds, settings, model, judge, timings
    case radicalTop1 = "radical_top1"
    case radicalTop5 = "radical_top5"
    case radicalTop1Real = "radical_top1_real"
    case radicalTop1Uncond = "radical_top1_uncond"
    case fdRealFloor = "fd_real_floor"
    case kidStd = "kid_std"
    case modelSHA256 = "model_sha256"
    case judgeSHA256 = "judge_sha256"
  }

  public static let metricKeys = [
    "radical_top1", "radical_top5", "radical_top1_real", "radical_top1_uncond", "fd",
    "fd_real_floor", "kid", "kid_std", "precision", "recall", "copies", "seconds",
  ]
}

/// Everything behind the numbers, for `eval.json` and `report.png`.
public struct EvalDetails: Sendable, Codable {
  public struct Family: Sendable, Codable {
    public var prompt: String
    public var radical: Int
    /// Share of the family's glyphs judged to have its radical (top-1).
    public var adherence: Double
  }

  public struct Pair: Sendable, Codable {
    /// Index into the generated glyphs (character-major: character i, sample k → i·K + k).
    public var generated: Int
    public var prompt: String
    public var trainingCodepoint: String
    public var distance: Float
  }

  public var family: [Family] = []
  /// Per-pixel RMS distance below which a glyph counts as a copy, and how it was set.
  public var copyThreshold: Float = 0
  public var copyRule = ""
  /// Copies judged in feature space: cosine to the nearest training glyph's judge features
  /// above the 99th percentile of held-out characters'.
  public var copiesFeature: Double = 0
  /// Median nearest-training distance of generated and of held-out real glyphs.
  public var medianDistanceGenerated: Float = 0
  public var medianDistanceReal: Float = 0
  /// The 16 generated glyphs closest to a training glyph.
  public var closest: [Pair] = []
  /// Characters scored (code points) and the judge's prior-chance level Σ p².
  public var characters: [String] = []
  public var radicalPriorChance: Double = 0
}

/// The glyphs an evaluation drew, for the report (bytes at the model's size, 255 = paper).
public struct EvalGlyphs: Sendable {
  public var size: Int
  public var generated: [UInt8]
  public var generatedPrompts: [String]
  public var family: [UInt8]
  public var familyPrompts: [String]
  public var trainingPixels: [UInt8]
  public var trainingCodepoints: [UInt32]
}

/// `glyffuser eval`: draws glyphs for held-out definitions with a model and measures them with
/// the judge. See `EvalReport` for the metrics; every random choice comes from `seed` (sample i
/// of a set uses seed + offset + i as `glyffuser generate` does), and every computation is
/// deterministic for any thread count, so the same settings give the same numbers.
public struct GlyphEvaluation {
  public let generator: GlyphGenerator
  public let judge: GlyphJudge
  public let dataset: GlyphDataset
  public let options: EvalOptions
  public var modelURL: URL
  public var judgeURL: URL
  /// Hears of each batch drawn (stage: the sample set, "held-out", "unconditional", …).
  public var progress: ProgressHandler = { _ in }
  /// The judge's reading of the training glyphs: the same for every run of this evaluation
  /// (training's `--eval-every` runs it many times), so computed once.
  private let trainingReadout = ReadoutCache()
  public var shouldStop: StopRequest = { false }

  /// Seed offsets of the three sample sets, so they never share noise.
  static let unconditionalSeedOffset: UInt64 = 1_000_000
  static let familySeedOffset: UInt64 = 2_000_000

  public init(
    model: URL, judge judgeURL: URL, dataset: GlyphDataset, options: EvalOptions,
    encoder: String? = nil
  ) throws {
    try options.validate()
    _ = try dataset.requireLabels()
    let judge = try JudgeFolder.load(from: judgeURL)
    let generator = try GlyphGenerator(
      model: model, encoder: encoder, sampler: { options.sampler.settings(schedule: $0) })
    try self.init(
      generator: generator, judge: judge, dataset: dataset, options: options, modelURL: model,
      judgeURL: judgeURL)
  }

  /// With a generator already loaded (training's `--eval-every` uses the EMA weights in memory).
  public init(
    generator: GlyphGenerator, judge: GlyphJudge, dataset: GlyphDataset, options: EvalOptions,
    modelURL: URL, judgeURL: URL
  ) throws {
    try options.validate()
    _ = try dataset.requireLabels()
    let s = generator.sampleSize
    guard GlyphDownsample.divides(from: dataset.size, to: s) else {
      throw EvaluationError.resolutionMismatch(
        model: modelURL.path, modelSize: s, dataset: dataset.directory.path,
        datasetSize: dataset.size)
    }
    guard GlyphDownsample.divides(from: s, to: judge.config.imageSize) else {
      throw EvaluationError.invalidOption(
        "the judge reads \(judge.config.imageSize) px glyphs; the model's \(s) px glyphs cannot "
          + "be box-downsampled to it")
    }
    self.generator = generator
    self.judge = judge
    self.dataset = dataset
    self.options = options
    self.modelURL = modelURL
    self.judgeURL = judgeURL
  }

  /// The held-out characters scored: labelled validation glyphs in a fixed pseudo-random order
  /// (splitmix64 of the code point), the first `count`. A smaller count is a prefix of a larger.
  public static func heldOut(_ dataset: GlyphDataset, count: Int) throws -> [Int] {
    let labels = try dataset.requireLabels()
    let candidates = dataset.indices(in: .validation).filter { labels.radicals[$0] > 0 }
    guard candidates.count >= min(count, 8) else {
      throw EvaluationError.tooFewGlyphs(split: "validation", needed: 8, found: candidates.count)
    }
    let order = candidates.sorted {
      mix(dataset.codepoints[$0]) < mix(dataset.codepoints[$1])
    }
    return Array(order.prefix(count))
  }

  /// The data set's split hash, salted so the order is independent of the split itself.
  static func mix(_ codepoint: UInt32) -> UInt64 {
    DatasetSplit.splitmix64(UInt64(codepoint) &+ 0x5EED)
  }

  /// Draws `prompts.count` glyphs (prompt i → image i, seed base + i) in batches; bytes at the
  /// model's size.
  func draw(_ prompts: [String], seedBase: UInt64, guidance: Float, phase: String) throws
    -> [UInt8]
  {
    var out: [UInt8] = []
    var start = 0
    while start < prompts.count {
      if shouldStop() { throw EvaluationError.invalidOption("evaluation cancelled") }
      let chunk = Array(prompts[start..<min(prompts.count, start + options.batch)])
      let e = generator.encoder.encode(chunk).padded(to: generator.paddedLength)
      let x = try generator.pipeline.generate(
        prompts: GlyphPipeline.Conditioning(text: e.hiddenStates, mask: e.mask),
        empty: generator.empty, steps: options.steps, guidance: guidance,
        seed: seedBase &+ UInt64(start))
      out += GlyphPixels.bytes(x)
      start += chunk.count
      progress(JobProgress(stage: phase, done: start, total: prompts.count))
    }
    return out
  }

  /// Runs the whole evaluation.
  public func run() throws -> (report: EvalReport, details: EvalDetails, glyphs: EvalGlyphs) {
    let begin = Date()
    var clock = begin
    var timings: [String: Double] = [:]
    func lap(_ name: String) {
      let now = Date()
      timings[name] = now.timeIntervalSince(clock)
      clock = now
    }
    let labels = try dataset.requireLabels()
    let s = generator.sampleSize
    let chosen = try Self.heldOut(dataset, count: options.characters)
    let n = chosen.count
    let k = options.perPrompt
    let prompts = chosen.flatMap { i in Array(repeating: dataset.captions[i], count: k) }
    let truth = chosen.flatMap { i in Array(repeating: labels.radicals[i] - 1, count: k) }

    // 1. Glyphs: conditional, unconditional, families.
    let generated = try draw(
      prompts, seedBase: options.seed, guidance: options.guidance, phase: "held-out prompts")
    lap("generate held-out")
    let uncondCount = options.unconditionalCount
    let unconditional = try draw(
      Array(repeating: "", count: uncondCount),
      seedBase: options.seed &+ Self.unconditionalSeedOffset, guidance: 1, phase: "unconditional")
    lap("generate unconditional")
    let families = options.perFamily > 0 ? FamilyPrompt.table : []
    let familyPrompts = families.flatMap {
      Array(repeating: $0.prompt, count: options.perFamily)
    }
    let familyGlyphs =
      familyPrompts.isEmpty
      ? []
      : try draw(
        familyPrompts, seedBase: options.seed &+ Self.familySeedOffset,
        guidance: options.guidance, phase: "family prompts")
    lap("generate families")

    // 2. The judge on everything.
    let realPixels = GlyphDownsample.box(
      dataset.pixels(of: chosen), count: n, from: dataset.size, to: s)
    let trainIndices = dataset.indices(in: .train)
    let trainPixels = GlyphDownsample.box(
      dataset.pixels(of: trainIndices), count: trainIndices.count, from: dataset.size, to: s)
    func read(_ bytes: [UInt8], _ count: Int) throws -> GlyphJudge.Readout {
      judge.read(try judge.inputs(bytes, count: count, size: s))
    }
    let genRead = try read(generated, n * k)
    let realRead = try read(realPixels, n)
    let uncondRead = try read(unconditional, uncondCount)
    let trainRead = try trainingReadout.value { try read(trainPixels, trainIndices.count) }
    lap("judge")

    // 3. Adherence.
    func top(_ r: GlyphJudge.Readout, _ labels: [Int], _ kk: Int) -> Double {
      var hits = 0
      for i in 0..<r.count where r.topClasses(i, k: kk).contains(labels[i]) { hits += 1 }
      return Double(hits) / Double(max(r.count, 1))
    }
    let realTruth = chosen.map { labels.radicals[$0] - 1 }
    let uncondTruth = (0..<uncondCount).map { realTruth[$0 % n] }
    var details = EvalDetails()
    if !families.isEmpty {
      let familyRead = try read(familyGlyphs, familyPrompts.count)
      for (f, family) in families.enumerated() {
        var hits = 0
        for j in 0..<options.perFamily
        where familyRead.topClasses(f * options.perFamily + j, k: 1).first == family.radical - 1 {
          hits += 1
        }
        details.family.append(
          .init(
            prompt: family.prompt, radical: family.radical,
            adherence: Double(hits) / Double(options.perFamily)))
      }
    }

    // 4. Distances in judge features. The floor compares the held-out set with a training
    // subset of the same size, chosen by the same fixed hash order.
    let genSet = FeatureSet(genRead)
    let realSet = FeatureSet(realRead)
    let floorIndices = Array(
      (0..<trainIndices.count).sorted {
        Self.mix(dataset.codepoints[trainIndices[$0]])
          < Self.mix(dataset.codepoints[trainIndices[$1]])
      }.prefix(n))
    let fd = FrechetDistance.between(genSet, realSet)
    let fdFloor = FrechetDistance.between(FeatureSet(trainRead).subset(floorIndices), realSet)
    lap("fd")
    let kid = KernelDistance.kid(genRead, realRead, seed: options.seed)
    let pr = ManifoldPrecisionRecall.compute(real: realRead, generated: genRead)
    lap("kid, precision/recall")

    // 5. Novelty.
    let search = NoveltySearch(training: trainPixels, count: trainIndices.count, pixels: s * s)
    let genNearest = search.nearest(generated, count: n * k)
    let realNearest = search.nearest(realPixels, count: n)
    let threshold = NoveltySearch.threshold(heldOut: realNearest)
    let copies = NoveltySearch.copyFraction(genNearest, threshold: threshold)
    details.copyThreshold = threshold
    details.copyRule =
      "a copy is nearer (per-pixel RMS in [-1, 1]) to a training glyph than the closest "
      + "\(Int(NoveltySearch.copyPercentile * 100)) % of held-out characters are"
    details.medianDistanceGenerated = genNearest.map(\.distance).sorted()[genNearest.count / 2]
    details.medianDistanceReal = realNearest.map(\.distance).sorted()[realNearest.count / 2]
    details.copiesFeature = Self.featureCopies(
      generated: genRead, real: realRead, training: trainRead)
    let closest = genNearest.indices.sorted {
      genNearest[$0].distance < genNearest[$1].distance
        || genNearest[$0].distance == genNearest[$1].distance && $0 < $1
    }.prefix(16)
    details.closest = closest.map {
      .init(
        generated: $0, prompt: prompts[$0],
        trainingCodepoint: codepointLabel(dataset.codepoints[trainIndices[genNearest[$0].index]]),
        distance: genNearest[$0].distance)
    }
    details.characters = chosen.map { codepointLabel(dataset.codepoints[$0]) }
    var prior = [Double](repeating: 0, count: 214)
    for r in realTruth { prior[r] += 1 / Double(n) }
    details.radicalPriorChance = prior.reduce(0) { $0 + $1 * $1 }
    lap("novelty")

    let report = EvalReport(
      radicalTop1: top(genRead, truth, 1), radicalTop5: top(genRead, truth, 5),
      radicalTop1Real: top(realRead, realTruth, 1),
      radicalTop1Uncond: top(uncondRead, uncondTruth, 1), fd: fd, fdRealFloor: fdFloor,
      kid: kid.mean, kidStd: kid.std, precision: pr.precision, recall: pr.recall, copies: copies,
      seconds: Date().timeIntervalSince(begin), settings: options, model: modelURL.path,
      modelSHA256: Self.modelDigest(modelURL), judge: judgeURL.path,
      judgeSHA256: JudgeFolder.weightsDigest(judgeURL) ?? "", timings: timings)
    let glyphs = EvalGlyphs(
      size: s, generated: generated, generatedPrompts: prompts, family: familyGlyphs,
      familyPrompts: familyPrompts, trainingPixels: trainPixels,
      trainingCodepoints: trainIndices.map { dataset.codepoints[$0] })
    return (report, details, glyphs)
  }

  /// Copies by judge-feature cosine: the 99th percentile of held-out → training nearest cosine
  /// is the threshold (the mirror of the pixel rule).
  static func featureCopies(
    generated: GlyphJudge.Readout, real: GlyphJudge.Readout, training: GlyphJudge.Readout
  ) -> Double {
    func normalised(_ r: GlyphJudge.Readout) -> [Float] {
      var f = r.features
      let d = r.featureDim
      for i in 0..<r.count {
        var s: Float = 0
        for j in 0..<d { s += f[i * d + j] * f[i * d + j] }
        let inv = 1 / max(s.squareRoot(), 1e-12)
        for j in 0..<d { f[i * d + j] *= inv }
      }
      return f
    }
    let t = normalised(training)
    func nearest(_ r: GlyphJudge.Readout) -> [Float] {
      let q = normalised(r)
      let dots = PairwiseGeometry.dots(q, r.count, t, training.count, dim: r.featureDim)
      return (0..<r.count).map { i in
        dots[(i * training.count)..<((i + 1) * training.count)].max() ?? 0
      }
    }
    let realCos = nearest(real).sorted()
    guard !realCos.isEmpty else { return 0 }
    let threshold = realCos[min(realCos.count - 1, Int(Double(realCos.count) * 0.99))]
    let gen = nearest(generated)
    return Double(gen.filter { $0 > threshold }.count) / Double(max(gen.count, 1))
  }

  /// SHA-256 of the model's weights file, or "" when it cannot be read (a model in memory).
  static func modelDigest(_ model: URL) -> String {
    (try? SHA256.hexDigest(
      ofFile: model.appendingPathComponent("diffusion_pytorch_model.safetensors"))) ?? ""
  }
}

/// A value computed on first use and kept (a class, so copies of an evaluation share it).
final class ReadoutCache: @unchecked Sendable {
  private var stored: GlyphJudge.Readout?
  private let lock = NSLock()

  func value(_ make: () throws -> GlyphJudge.Readout) rethrows -> GlyphJudge.Readout {
    try lock.withLock {
      if let stored { return stored }
      let v = try make()
      stored = v
      return v
    }
  }
}
