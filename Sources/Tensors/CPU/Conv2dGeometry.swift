/// The shape of one 2-D convolution, NHWC activations and OHWI weights.
///
/// Input `[batch, height, width, inChannels]`, weight `[outChannels, kernelH, kernelW,
/// inChannels]`, bias `[outChannels]`, output `[batch, outHeight, outWidth, outChannels]`.
/// Padding is symmetric (PyTorch `padding=`): `outHeight = (height + 2·padH − kernelH) / strideH + 1`
/// (integer division), and rows past the end that the stride never reaches are ignored.
public struct Conv2dGeometry: Hashable, Sendable, CustomStringConvertible {
  public var batch, height, width, inChannels, outChannels: Int
  public var kernelH, kernelW, strideH, strideW, padH, padW: Int

  public init(
    batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
    kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int
  ) {
    precondition(
      batch > 0 && height > 0 && width > 0 && inChannels > 0 && outChannels > 0,
      "Conv2dGeometry: sizes must be positive (N \(batch) H \(height) W \(width) I \(inChannels) O \(outChannels))"
    )
    precondition(
      kernelH > 0 && kernelW > 0 && strideH > 0 && strideW > 0 && padH >= 0 && padW >= 0,
      "Conv2dGeometry: kernel \(kernelH)x\(kernelW), stride \(strideH)x\(strideW), padding \(padH)x\(padW) invalid"
    )
    precondition(
      height + 2 * padH >= kernelH && width + 2 * padW >= kernelW,
      "Conv2dGeometry: kernel \(kernelH)x\(kernelW) larger than padded input \(height)x\(width) (+\(padH),\(padW))"
    )
    self.batch = batch
    self.height = height
    self.width = width
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernelH = kernelH
    self.kernelW = kernelW
    self.strideH = strideH
    self.strideW = strideW
    self.padH = padH
    self.padW = padW
  }

  /// Square kernel, stride and padding.
  public init(
    batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
    kernel: Int, stride: Int = 1, padding: Int = 0
  ) {
    self.init(
      batch: batch, height: height, width: width, inChannels: inChannels,
      outChannels: outChannels, kernelH: kernel, kernelW: kernel, strideH: stride,
      strideW: stride, padH: padding, padW: padding)
  }

  public var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
  public var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }

  public var inputCount: Int { batch * height * width * inChannels }
  public var weightCount: Int { outChannels * kernelH * kernelW * inChannels }
  public var outputCount: Int { batch * outHeight * outWidth * outChannels }

  /// Multiply-adds counted twice: `2·N·OH·OW·O·I·KH·KW` (one direction).
  public var flops: Double {
    2 * Double(batch) * Double(outHeight * outWidth) * Double(outChannels)
      * Double(inChannels) * Double(kernelH * kernelW)
  }

  public var description: String {
    "N\(batch) \(height)x\(width) \(inChannels)->\(outChannels) k\(kernelH)x\(kernelW) s\(strideH)x\(strideW) p\(padH)x\(padW)"
  }
}
