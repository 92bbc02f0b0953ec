import Tensors

extension UNetConfig {
  /// Feature-map elements per image (channels × pixels) that pass through ResNet blocks and
  /// through transformer blocks, level by level as the model is built: each level's down blocks,
  /// the middle block at the lowest level and each level's up blocks (`layersPerBlock + 1`).
  var featureMapElements: (resnet: Int, transformer: Int) {
    let ch = blockOutChannels
    let n = ch.count
    var resnet = 0
    var transformer = 0
    for level in 0..<n {
      let side = sampleSize >> level
      let elements = ch[level] * side * side
      let up = n - 1 - level  // up blocks run from the lowest level
      resnet += elements * (layersPerBlock + (layersPerBlock + 1))
      if downBlocks[level] == .crossAttention { transformer += elements * layersPerBlock }
      if upBlocks[up] == .crossAttention { transformer += elements * (layersPerBlock + 1) }
      if level == n - 1 {
        resnet += 2 * elements
        if takesText { transformer += elements }
      }
    }
    return (resnet, transformer)
  }

  /// About how many bytes a training step at `batch` holds at its peak: per parameter its fp32
  /// weight, gradient, two AdamW moments and EMA copy (20 bytes, plus a bf16 weight copy at
  /// bf16), and per image the activations kept for the backward pass.
  ///
  /// The activation bytes per feature-map element were fitted to the peak RSS of `glyffuser bench
  /// train` at batch 8 and 32 for `tiny` (32 px) and `small` (64 px) on the Intel Xeon VM
  /// (docs/RELIABILITY.md): fp32 55 bytes per ResNet element and 121 per transformer element,
  /// bf16 27 and 72. An estimate for refusing a batch that cannot fit before training starts, not
  /// a promise.
  public func trainingMemoryEstimate(batch: Int, precision: Precision) -> Int {
    let (resnet, transformer) = featureMapElements
    let perImage =
      precision == .bf16 ? 27 * resnet + 72 * transformer : 55 * resnet + 121 * transformer
    let perParameter = precision == .bf16 ? 22 : 20
    let (activations, overflow1) = perImage.multipliedReportingOverflow(by: max(batch, 0))
    let (weights, overflow2) = parameterCount.multipliedReportingOverflow(by: perParameter)
    let (total, overflow3) = activations.addingReportingOverflow(weights)
    return overflow1 || overflow2 || overflow3 ? Int.max : total
  }
}
