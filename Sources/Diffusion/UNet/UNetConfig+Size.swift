import Foundation

/// What a configuration costs before anything is allocated: its exact parameter count (the
/// layers `UNet2DConditionModel` builds, counted from the config alone) and the ranges a config
/// from elsewhere must fall in, so that a hostile `config.json` gets an error naming its field
/// instead of a division by zero or an allocation of tens of GB.
extension UNetConfig {
  /// Upper limits for fields read from files (generous: the largest Stable Diffusion U-Nets are
  /// within them).
  public enum Limits {
    public static let blocks = 1...6
    public static let channels = 1...4096
    public static let layersPerBlock = 1...8
    public static let sampleSize = 1...2048
    public static let ioChannels = 1...64
    public static let textDim = 1...16_384
    /// Parameters a configuration may describe (2 G: 8 GB in fp32).
    public static let parameters = 2_000_000_000
  }

  /// Range checks that must hold before any derived quantity (a remainder, a product) is formed.
  func validateRanges() throws {
    func fail(_ field: String, _ why: String) -> UNetConfigError { .invalid(field: field, why) }
    func check(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws {
      guard range.contains(value) else {
        throw fail(field, "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
      }
    }
    try check("block_out_channels (count)", blockOutChannels.count, Limits.blocks)
    for c in blockOutChannels { try check("block_out_channels", c, Limits.channels) }
    try check("layers_per_block", layersPerBlock, Limits.layersPerBlock)
    try check("sample_size", sampleSize, Limits.sampleSize)
    try check("in_channels", inChannels, Limits.ioChannels)
    try check("out_channels", outChannels, Limits.ioChannels)
    try check("cross_attention_dim", crossAttentionDim, Limits.textDim)
    if let encoderHidDim { try check("encoder_hid_dim", encoderHidDim, Limits.textDim) }
    for h in attentionHeads { try check("attention_head_dim", h, Limits.channels) }
    try check("norm_num_groups", normGroups, Limits.channels)
    try check("addition_embed_type_num_heads", additionEmbedHeads, Limits.textDim)
    guard normEps.isFinite, normEps > 0, normEps < 1 else {
      throw fail("norm_eps", "must be in (0, 1), got \(normEps)")
    }
    guard freqShift.isFinite else { throw fail("freq_shift", "must be finite") }
  }

  /// The number of parameters the model has, counted layer by layer as the modules build them
  /// (checked against `UNet2DConditionModel.parameterCount` for every preset).
  public var parameterCount: Int {
    func conv(_ i: Int, _ o: Int, _ k: Int) -> Int { o * i * k * k + o }
    func linear(_ i: Int, _ o: Int, bias: Bool = true) -> Int { i * o + (bias ? o : 0) }
    func norm(_ c: Int) -> Int { 2 * c }
    let t = timeEmbedDim
    func resnet(_ i: Int, _ o: Int) -> Int {
      norm(i) + conv(i, o, 3) + linear(t, o) + norm(o) + conv(o, o, 3)
        + (i == o ? 0 : conv(i, o, 1))
    }
    func attention(_ q: Int, context: Int) -> Int {
      linear(q, q, bias: false) + 2 * linear(context, q, bias: false) + linear(q, q)
    }
    func transformer(_ c: Int) -> Int {
      let block =
        3 * norm(c) + attention(c, context: c) + attention(c, context: crossAttentionDim)
        + linear(c, 8 * c) + linear(4 * c, c)
      return norm(c) + 2 * conv(c, c, 1) + block
    }
    let ch = blockOutChannels
    let n = ch.count
    var total = conv(inChannels, ch[0], 3) + linear(ch[0], t) + linear(t, t)
    if let encoderHidDim { total += linear(encoderHidDim, crossAttentionDim) }
    if textTimeEmbedding {
      total += norm(textDim) + textDim + 3 * linear(textDim, textDim) + linear(textDim, t) + norm(t)
    }
    var outCh = ch[0]
    for i in 0..<n {
      let inCh = outCh
      outCh = ch[i]
      for j in 0..<layersPerBlock {
        total += resnet(j == 0 ? inCh : outCh, outCh)
        if downBlocks[i] == .crossAttention { total += transformer(outCh) }
      }
      if i < n - 1 { total += conv(outCh, outCh, 3) }
    }
    total += 2 * resnet(ch[n - 1], ch[n - 1]) + (takesText ? transformer(ch[n - 1]) : 0)
    let rev = Array(ch.reversed())
    outCh = rev[0]
    for i in 0..<n {
      let prev = outCh
      outCh = rev[i]
      let inCh = rev[min(i + 1, n - 1)]
      let layers = layersPerBlock + 1
      for j in 0..<layers {
        let skip = j == layers - 1 ? inCh : outCh
        total += resnet((j == 0 ? prev : outCh) + skip, outCh)
        if upBlocks[i] == .crossAttention { total += transformer(outCh) }
      }
      if i < n - 1 { total += conv(outCh, outCh, 3) }
    }
    return total + norm(ch[0]) + conv(ch[0], outChannels, 3)
  }
}
