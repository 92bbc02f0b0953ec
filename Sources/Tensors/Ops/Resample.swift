/// Nearest-neighbour 2× upsampling of NHWC images (the U-Net's up blocks):
/// y[b, i, j, c] = x[b, ⌊i/2⌋, ⌊j/2⌋, c]; VJP: each input pixel receives the sum of its 2×2 block.
extension Tensor {
  public func upsampledNearest2x() -> Tensor {
    precondition(rank == 4, "upsampledNearest2x expects NHWC, got \(shape)")
    let (B, H, W, C) = (shape[0], shape[1], shape[2], shape[3])
    // A bit copy in the input's dtype (bf16 activations stay bf16); rows in bytes.
    let x = contiguous(dtype: dtype)
    var y = Tensor(uninitializedShape: [B, 2 * H, 2 * W, C], dtype: dtype)
    let size = dtype.byteSize
    let (px, py) = (
      SendablePointer(x.storage.pointer.assumingMemoryBound(to: UInt8.self) + x.offset * size),
      SendablePointer(y.storage.pointer.assumingMemoryBound(to: UInt8.self))
    )
    let pixel = C * size
    withExtendedLifetime(x) {
      Parallel.forChunks(B * H, chunk: 8) { _, r in
        for bi in r {
          let src = px.pointer + bi * W * pixel
          let row0 = py.pointer + bi * 2 * (2 * W * pixel)
          for j in 0..<W {
            (row0 + (2 * j) * pixel).update(from: src + j * pixel, count: pixel)
            (row0 + (2 * j + 1) * pixel).update(from: src + j * pixel, count: pixel)
          }
          (row0 + 2 * W * pixel).update(from: row0, count: 2 * W * pixel)
        }
      }
    }
    let inputDType = dtype
    y.node = GradNode.make(self, op: "upsample") { g in
      // g (y's dtype) is read as it is; dx has x's dtype: a bf16 row is summed into an fp32
      // row buffer and rounded from there.
      let g = g.contiguous(dtype: g.dtype)
      let dx = Tensor(uninitializedShape: [B, H, W, C], dtype: inputDType)
      switch g.denseOperand {
      case .f32(let p): Tensor.upsampleBackward(F32Source(p: p), B, H, W, C, dx.denseOperand)
      case .bf16(let p): Tensor.upsampleBackward(BF16Source(p: p), B, H, W, C, dx.denseOperand)
      }
      return [dx]
    }
    return y
  }

  /// dx[b, i, j] = Σ of g over the 2×2 block (2i…2i+1, 2j…2j+1), per channel.
  private static func upsampleBackward<S: VectorSource>(
    _ g: S, _ B: Int, _ H: Int, _ W: Int, _ C: Int, _ dx: DenseOperand
  ) {
    Parallel.forChunks(B * H, chunk: 8) { _, r in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: dx.isBF16 ? W * C : 0) { buffer in
        for bi in r {
          let r0 = g.advanced(by: bi * 2 * (2 * W * C))
          let r1 = r0.advanced(by: 2 * W * C)
          let out = dx.outputRow(bi * W * C, buffer: buffer.baseAddress!)
          for j in 0..<W {
            let (a, b) = (2 * j * C, (2 * j + 1) * C)
            var c = 0
            while c + 8 <= C {
              let v = (r0.load8(a + c) + r0.load8(b + c)) + (r1.load8(a + c) + r1.load8(b + c))
              UnsafeMutableRawPointer(out + j * C + c).storeBytes(of: v, as: Vec8.self)
              c += 8
            }
            while c < C {
              out[j * C + c] = (r0[a + c] + r0[b + c]) + (r1[a + c] + r1[b + c])
              c += 1
            }
          }
          dx.finishRow(bi * W * C, count: W * C, from: out)
        }
      }
    }
  }
}
