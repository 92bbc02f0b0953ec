import Foundation

/// diffusers' `config.json` for `UNet2DConditionModel` and `UNet2DModel`: the only place block
/// kinds are strings.
extension UNetConfig {
  static let downNames: [BlockKind: String] = [
    .plain: "DownBlock2D", .crossAttention: "CrossAttnDownBlock2D",
  ]
  static let upNames: [BlockKind: String] = [
    .plain: "UpBlock2D", .crossAttention: "CrossAttnUpBlock2D",
  ]

  /// The diffusers configuration dictionary (every field diffusers needs to rebuild the model).
  public var diffusersJSON: [String: Any] {
    var d = sharedJSON
    d["_class_name"] = modelClass.rawValue
    switch modelClass {
    case .unet2D:
      // UNet2DModel (unet_2d.py): plain blocks, no mid-block attention, no class embedding.
      d["mid_block_type"] = "UNetMidBlock2D"
      d["add_attention"] = false
      d["downsample_type"] = "conv"
      d["upsample_type"] = "conv"
    case .unet2DCondition:
      d["mid_block_type"] = "UNetMidBlock2DCrossAttn"
      d["attention_head_dim"] = attentionHeads
      d["cross_attention_dim"] = crossAttentionDim
      d["use_linear_projection"] = false
      d["only_cross_attention"] = false
      d["upcast_attention"] = false
      d["transformer_layers_per_block"] = 1
      if let encoderHidDim {
        d["encoder_hid_dim"] = encoderHidDim
        d["encoder_hid_dim_type"] = "text_proj"
      }
      if textTimeEmbedding {
        d["addition_embed_type"] = "text"
        d["addition_embed_type_num_heads"] = additionEmbedHeads
      }
    }
    return d
  }

  /// The fields both diffusers classes have, with the values this package builds.
  var sharedJSON: [String: Any] {
    [
      "_diffusers_version": "0.42.1",
      "sample_size": sampleSize,
      "in_channels": inChannels,
      "out_channels": outChannels,
      "block_out_channels": blockOutChannels,
      "layers_per_block": layersPerBlock,
      "down_block_types": downBlocks.map { Self.downNames[$0]! },
      "up_block_types": upBlocks.map { Self.upNames[$0]! },
      "norm_num_groups": normGroups,
      "norm_eps": Double(normEps),
      "flip_sin_to_cos": flipSinToCos,
      "freq_shift": Double(freqShift),
      "act_fn": "silu",
      "center_input_sample": false,
      "downsample_padding": 1,
      "mid_block_scale_factor": 1,
      "dropout": 0.0,
      "time_embedding_type": "positional",
      "resnet_time_scale_shift": "default",
    ]
  }

  public func jsonData() throws -> Data {
    try JSONSerialization.data(
      withJSONObject: diffusersJSON, options: [.prettyPrinted, .sortedKeys])
  }

  /// Parses a diffusers `config.json`; unsupported settings are rejected naming the field.
  public init(diffusersJSON data: Data, file: String = "config.json") throws {
    guard let d = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw UNetConfigError.invalid(field: file, "not a JSON object")
    }
    func int(_ k: String, _ def: Int? = nil) throws -> Int {
      if let v = d[k] as? Int { return v }
      if let def, d[k] == nil || d[k] is NSNull { return def }
      throw UNetConfigError.invalid(field: k, "missing or not an integer in \(file)")
    }
    func ints(_ k: String, count: Int) throws -> [Int] {
      if let v = d[k] as? [Int] { return v }
      if let v = d[k] as? Int { return Array(repeating: v, count: count) }
      throw UNetConfigError.invalid(field: k, "missing or not an integer list in \(file)")
    }
    func kinds(_ k: String, _ names: [BlockKind: String]) throws -> [BlockKind] {
      guard let v = d[k] as? [String] else {
        throw UNetConfigError.invalid(field: k, "missing or not a list of strings in \(file)")
      }
      return try v.map { s in
        guard let kind = names.first(where: { $0.value == s })?.key else {
          throw UNetConfigError.unknownValue(field: k, value: s, valid: names.values.sorted())
        }
        return kind
      }
    }
    func expect(_ k: String, _ allowed: [String], default def: String) throws {
      let v = (d[k] as? String) ?? def
      if !allowed.contains(v) {
        throw UNetConfigError.unknownValue(field: k, value: v, valid: allowed)
      }
    }
    let className = (d["_class_name"] as? String) ?? ModelClass.unet2DCondition.rawValue
    guard let modelClass = ModelClass(rawValue: className) else {
      throw UNetConfigError.unknownValue(
        field: "_class_name", value: className,
        valid: [ModelClass.unet2DCondition.rawValue, ModelClass.unet2D.rawValue])
    }
    if modelClass == .unet2D {
      try self.init(unet2DModel: d, file: file)
      return
    }
    try expect("mid_block_type", ["UNetMidBlock2DCrossAttn"], default: "UNetMidBlock2DCrossAttn")
    try expect("act_fn", ["silu"], default: "silu")
    try expect("time_embedding_type", ["positional"], default: "positional")
    try expect("resnet_time_scale_shift", ["default"], default: "default")
    if (d["use_linear_projection"] as? Bool) == true {
      throw UNetConfigError.unknownValue(
        field: "use_linear_projection", value: "true", valid: ["false"])
    }
    let blocks = (d["block_out_channels"] as? [Int]) ?? []
    let addition = d["addition_embed_type"] as? String
    if let addition, addition != "text" {
      throw UNetConfigError.unknownValue(
        field: "addition_embed_type", value: addition, valid: ["text", "null"])
    }
    if let t = d["encoder_hid_dim_type"] as? String, t != "text_proj" {
      throw UNetConfigError.unknownValue(
        field: "encoder_hid_dim_type", value: t, valid: ["text_proj"])
    }
    self.init(
      sampleSize: try int("sample_size"), inChannels: try int("in_channels", 4),
      outChannels: try int("out_channels", 4), blockOutChannels: blocks,
      layersPerBlock: try int("layers_per_block", 2),
      downBlocks: try kinds("down_block_types", Self.downNames),
      upBlocks: try kinds("up_block_types", Self.upNames),
      attentionHeads: try ints("attention_head_dim", count: blocks.count),
      crossAttentionDim: try int("cross_attention_dim", 1280),
      encoderHidDim: d["encoder_hid_dim"] as? Int, textTimeEmbedding: addition == "text",
      additionEmbedHeads: try int("addition_embed_type_num_heads", 64),
      normGroups: try int("norm_num_groups", 32),
      normEps: Float((d["norm_eps"] as? Double) ?? 1e-5),
      flipSinToCos: (d["flip_sin_to_cos"] as? Bool) ?? true,
      freqShift: Float((d["freq_shift"] as? Double) ?? 0))
    try validate()
  }
}

extension UNetConfig {
  /// A `UNet2DModel` config.json: the settings this package builds, anything else refused by
  /// field (attention blocks, mid-block attention, class embeddings, Fourier time features).
  init(unet2DModel d: [String: Any], file: String) throws {
    func int(_ k: String, _ def: Int) throws -> Int {
      if let v = d[k] as? Int { return v }
      if d[k] == nil || d[k] is NSNull { return def }
      throw UNetConfigError.invalid(field: k, "not an integer in \(file)")
    }
    func expect(_ k: String, _ allowed: [String], default def: String) throws {
      let v = (d[k] as? String) ?? def
      if !allowed.contains(v) {
        throw UNetConfigError.unknownValue(field: k, value: v, valid: allowed)
      }
    }
    func names(_ k: String, _ allowed: String) throws -> [BlockKind] {
      guard let v = d[k] as? [String] else {
        throw UNetConfigError.invalid(field: k, "missing or not a list of strings in \(file)")
      }
      return try v.map { s in
        guard s == allowed else {
          throw UNetConfigError.unknownValue(field: k, value: s, valid: [allowed])
        }
        return .plain
      }
    }
    try expect("mid_block_type", ["UNetMidBlock2D"], default: "UNetMidBlock2D")
    try expect("act_fn", ["silu"], default: "silu")
    try expect("time_embedding_type", ["positional"], default: "positional")
    try expect("resnet_time_scale_shift", ["default"], default: "default")
    try expect("downsample_type", ["conv"], default: "conv")
    try expect("upsample_type", ["conv"], default: "conv")
    if (d["add_attention"] as? Bool) ?? true {
      throw UNetConfigError.unknownValue(field: "add_attention", value: "true", valid: ["false"])
    }
    for k in ["class_embed_type", "num_class_embeds", "time_embedding_dim"]
    where d[k] != nil && !(d[k] is NSNull) {
      throw UNetConfigError.invalid(field: k, "not supported (must be null) in \(file)")
    }
    if (d["center_input_sample"] as? Bool) == true {
      throw UNetConfigError.unknownValue(
        field: "center_input_sample", value: "true", valid: ["false"])
    }
    guard let sampleSize = d["sample_size"] as? Int else {
      throw UNetConfigError.invalid(field: "sample_size", "missing or not an integer in \(file)")
    }
    let blocks = (d["block_out_channels"] as? [Int]) ?? []
    var config = UNetConfig.unconditional(
      sampleSize: sampleSize, inChannels: try int("in_channels", 3),
      outChannels: try int("out_channels", 3), blockOutChannels: blocks,
      layersPerBlock: try int("layers_per_block", 2), normGroups: try int("norm_num_groups", 32))
    config.downBlocks = try names("down_block_types", Self.downNames[.plain]!)
    config.upBlocks = try names("up_block_types", Self.upNames[.plain]!)
    config.attentionHeads = Array(repeating: 1, count: config.downBlocks.count)
    config.normEps = Float((d["norm_eps"] as? Double) ?? 1e-5)
    config.flipSinToCos = (d["flip_sin_to_cos"] as? Bool) ?? true
    config.freqShift = Float((d["freq_shift"] as? Double) ?? 0)
    try config.validate()
    self = config
  }
}
