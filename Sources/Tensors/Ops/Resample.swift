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
    y.node = GradNode.make(self, op: "upsample") { g in
      let g = g.contiguous(dtype: .f32)
      let dx = Tensor(uninitializedShape: [B, H, W, C])
      let (pg, pd) = (SendablePointer(g.floatPointer), SendablePointer(dx.floatPointer))
      Parallel.forChunks(B * H, chunk: 8) { _, r in
        for bi in r {
          let r0 = UnsafePointer(pg.pointer + bi * 2 * (2 * W * C))
          let r1 = r0 + 2 * W * C
          let out = pd.pointer + bi * W * C
          for j in 0..<W {
            for c in 0..<C {
              out[j * C + c] =
                (r0[2 * j * C + c] + r0[(2 * j + 1) * C + c])
                + (r1[2 * j * C + c] + r1[(2 * j + 1) * C + c])
            }
          }
        }
      }
      return [dx]
    }
    return y
  }
}
