import Foundation

/// The shape of a `UNet2DConditionModel`: typed here, diffusers' strings only in `config.json`
/// (see `UNetConfig+JSON.swift`).
public struct UNetConfig: Sendable, Equatable {
  /// Whether a down/up block has Transformer2D (self- + cross-attention) layers.
  public enum BlockKind: String, Sendable, Equatable {
    case plain, crossAttention
  }

  /// Which diffusers class the configuration describes. `unet2D` is diffusers' `UNet2DModel`
  /// with `add_attention: false` and plain blocks (DownBlock2D / UpBlock2D / UNetMidBlock2D of
  /// two resnets): the text-conditional network without its text layers, under the same
  /// parameter names — the super-resolution stage's network, which sees its low-resolution
  /// input as extra channels instead of text.
  public enum ModelClass: String, Sendable, Equatable {
    case unet2DCondition = "UNet2DConditionModel"
    case unet2D = "UNet2DModel"
  }

  public var modelClass = ModelClass.unet2DCondition
  public var sampleSize: Int
  public var inChannels = 1
  public var outChannels = 1
  public var blockOutChannels: [Int]
  public var layersPerBlock = 2
  public var downBlocks: [BlockKind]
  public var upBlocks: [BlockKind]
  /// Attention heads per down block (diffusers' `attention_head_dim`, which counts heads).
  public var attentionHeads: [Int]
  /// Width of the text tokens inside the U-Net (after `encoder_hid_proj`).
  public var crossAttentionDim: Int
  /// Width of the text encoder's output; `encoder_hid_proj` maps it to `crossAttentionDim`.
  public var encoderHidDim: Int?
  /// `addition_embed_type: "text"`: pooled text added to the time embedding.
  public var textTimeEmbedding = true
  public var additionEmbedHeads = 64
  public var normGroups = 32
  public var normEps: Float = 1e-5
  public var flipSinToCos = true
  public var freqShift: Float = 0

  public init(
    sampleSize: Int, inChannels: Int = 1, outChannels: Int = 1, blockOutChannels: [Int],
    layersPerBlock: Int = 2, downBlocks: [BlockKind], upBlocks: [BlockKind],
    attentionHeads: [Int], crossAttentionDim: Int, encoderHidDim: Int?,
    textTimeEmbedding: Bool = true, additionEmbedHeads: Int = 64, normGroups: Int = 32,
    normEps: Float = 1e-5, flipSinToCos: Bool = true, freqShift: Float = 0,
    modelClass: ModelClass = .unet2DCondition
  ) {
    self.modelClass = modelClass
    self.sampleSize = sampleSize
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.blockOutChannels = blockOutChannels
    self.layersPerBlock = layersPerBlock
    self.downBlocks = downBlocks
    self.upBlocks = upBlocks
    self.attentionHeads = attentionHeads
    self.crossAttentionDim = crossAttentionDim
    self.encoderHidDim = encoderHidDim
    self.textTimeEmbedding = textTimeEmbedding
    self.additionEmbedHeads = additionEmbedHeads
    self.normGroups = normGroups
    self.normEps = normEps
    self.flipSinToCos = flipSinToCos
    self.freqShift = freqShift
  }

  /// Width of the time embedding (4 × the first block's channels).
  public var timeEmbedDim: Int { blockOutChannels[0] * 4 }

  /// Width of the text tokens the model receives (0 for a `UNet2DModel`, which takes no text).
  public var textDim: Int { modelClass == .unet2D ? 0 : encoderHidDim ?? crossAttentionDim }

  /// Whether the model reads text: a `UNet2DConditionModel`.
  public var takesText: Bool { modelClass == .unet2DCondition }

  /// A `UNet2DModel` of plain blocks (no attention anywhere) for `sampleSize` px images of
  /// `inChannels` channels; the text fields are unused.
  public static func unconditional(
    sampleSize: Int, inChannels: Int, outChannels: Int = 1, blockOutChannels: [Int],
    layersPerBlock: Int, normGroups: Int
  ) -> UNetConfig {
    let n = blockOutChannels.count
    return UNetConfig(
      sampleSize: sampleSize, inChannels: inChannels, outChannels: outChannels,
      blockOutChannels: blockOutChannels, layersPerBlock: layersPerBlock,
      downBlocks: Array(repeating: .plain, count: n), upBlocks: Array(repeating: .plain, count: n),
      attentionHeads: Array(repeating: 1, count: n), crossAttentionDim: 1, encoderHidDim: nil,
      textTimeEmbedding: false, normGroups: normGroups, modelClass: .unet2D)
  }

  /// Problems that make the configuration unusable, each naming its field.
  public func validate() throws {
    func fail(_ field: String, _ why: String) -> UNetConfigError { .invalid(field: field, why) }
    let n = blockOutChannels.count
    guard n >= 1 else { throw fail("block_out_channels", "must not be empty") }
    guard downBlocks.count == n else { throw fail("down_block_types", "needs \(n) entries") }
    guard upBlocks.count == n else { throw fail("up_block_types", "needs \(n) entries") }
    guard attentionHeads.count == n else { throw fail("attention_head_dim", "needs \(n) entries") }
    // Ranges first: every divisor below is then ≥ 1 and every product bounded.
    try validateRanges()
    for c in blockOutChannels where c % normGroups != 0 {
      throw fail("norm_num_groups", "\(normGroups) does not divide \(c) channels")
    }
    for (c, h) in zip(blockOutChannels, attentionHeads) where c % h != 0 {
      throw fail("attention_head_dim", "\(h) heads do not divide \(c) channels")
    }
    if modelClass == .unet2D {
      // UNet2DModel's attention blocks and mid-block attention are diffusers' `Attention`, not
      // the Transformer2D layers this package builds: refused rather than misread.
      if let i = downBlocks.firstIndex(of: .crossAttention) {
        throw fail("down_block_types", "entry \(i): a UNet2DModel here has DownBlock2D only")
      }
      if let i = upBlocks.firstIndex(of: .crossAttention) {
        throw fail("up_block_types", "entry \(i): a UNet2DModel here has UpBlock2D only")
      }
      guard encoderHidDim == nil, !textTimeEmbedding else {
        throw fail("encoder_hid_dim", "a UNet2DModel takes no text")
      }
    }
    if textTimeEmbedding && textDim % additionEmbedHeads != 0 {
      throw fail(
        "addition_embed_type_num_heads", "\(additionEmbedHeads) does not divide \(textDim)")
    }
    let factor = 1 << (n - 1)
    guard sampleSize % factor == 0 else {
      throw fail("sample_size", "\(sampleSize) is not divisible by \(factor)")
    }
    let parameters = parameterCount
    guard parameters <= Limits.parameters else {
      throw fail(
        "block_out_channels",
        "the configuration describes \(parameters) parameters, more than the limit of "
          + "\(Limits.parameters)")
    }
  }
}

public enum UNetConfigError: Error, CustomStringConvertible {
  case invalid(field: String, String)
  case unknownValue(field: String, value: String, valid: [String])

  public var description: String {
    switch self {
    case .invalid(let field, let why): "config field \(field): \(why)"
    case .unknownValue(let field, let value, let valid):
      "config field \(field): unknown value \"\(value)\" (valid: \(valid.joined(separator: ", ")))"
    }
  }
}

extension UNetConfig {
  /// The original glyffuser: 128 px, channels (128, 256, 512, 512), 2 layers per block,
  /// cross-attention in the third down block and the second up block.
  public static func glyffuser(textDim: Int = 384) -> UNetConfig {
    UNetConfig(
      sampleSize: 128, blockOutChannels: [128, 256, 512, 512], layersPerBlock: 2,
      downBlocks: [.plain, .plain, .crossAttention, .plain],
      upBlocks: [.plain, .crossAttention, .plain, .plain], attentionHeads: [8, 8, 8, 8],
      crossAttentionDim: 512, encoderHidDim: textDim)
  }

  /// 64 px for CPU training.
  public static func small(textDim: Int = 384) -> UNetConfig {
    UNetConfig(
      sampleSize: 64, blockOutChannels: [64, 128, 256, 256], layersPerBlock: 1,
      downBlocks: [.plain, .plain, .crossAttention, .plain],
      upBlocks: [.plain, .crossAttention, .plain, .plain], attentionHeads: [4, 4, 4, 4],
      crossAttentionDim: 256, encoderHidDim: textDim, normGroups: 32)
  }

  /// 32 px, minutes on a CPU.
  public static func tiny(textDim: Int = 384) -> UNetConfig {
    UNetConfig(
      sampleSize: 32, blockOutChannels: [32, 64, 128], layersPerBlock: 1,
      downBlocks: [.plain, .crossAttention, .crossAttention],
      upBlocks: [.crossAttention, .crossAttention, .plain], attentionHeads: [2, 4, 4],
      crossAttentionDim: 128, encoderHidDim: textDim, normGroups: 16)
  }

  /// 32 px, `tiny`'s channels with text read only where the feature map is smallest: cross-
  /// attention in the 8 px mid block, plain down and up blocks (the pooled text still reaches
  /// every resnet through the time embedding). Attention at 16 px was two thirds of `tiny`'s
  /// step; without it a step costs a third and, at equal training time, adherence is 3.6× `tiny`'s
  /// (docs/RESULTS.md, "Network shapes per CPU-minute").
  public static func fast(textDim: Int = 384) -> UNetConfig {
    UNetConfig(
      sampleSize: 32, blockOutChannels: [32, 64, 128], layersPerBlock: 1,
      downBlocks: [.plain, .plain, .plain], upBlocks: [.plain, .plain, .plain],
      attentionHeads: [2, 4, 4], crossAttentionDim: 128, encoderHidDim: textDim, normGroups: 16)
  }

  /// A few thousand parameters with every block kind, for tests and golden fixtures.
  public static func test(textDim: Int = 16) -> UNetConfig {
    UNetConfig(
      sampleSize: 8, blockOutChannels: [8, 16], layersPerBlock: 1,
      downBlocks: [.plain, .crossAttention], upBlocks: [.crossAttention, .plain],
      attentionHeads: [2, 2], crossAttentionDim: 16, encoderHidDim: textDim,
      additionEmbedHeads: 4, normGroups: 4)
  }

  public static func preset(named name: String, textDim: Int = 384) throws -> UNetConfig {
    switch name {
    case "glyffuser": return .glyffuser(textDim: textDim)
    case "small": return .small(textDim: textDim)
    case "tiny": return .tiny(textDim: textDim)
    case "fast": return .fast(textDim: textDim)
    case "test": return .test(textDim: textDim)
    default:
      throw UNetConfigError.unknownValue(
        field: "preset", value: name, valid: ["glyffuser", "small", "tiny", "fast", "test"])
    }
  }
}
