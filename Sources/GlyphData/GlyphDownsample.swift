/// Box downsampling of square greyscale glyphs by an integer factor: each output pixel is the
/// rounded mean of an f × f block. The one way the project makes small glyphs from large ones
/// (a 128 px data set for a 32 px model, the judge's input), so every consumer sees the same
/// pixels.
public enum GlyphDownsample {
  /// Whether images of `from` px can be box-downsampled to `to` px.
  public static func divides(from: Int, to: Int) -> Bool { to >= 1 && to <= from && from % to == 0 }

  /// `count` images of `s` × `s` bytes → `t` × `t` (requires `divides(from: s, to: t)`).
  public static func box(_ src: [UInt8], count: Int, from s: Int, to t: Int) -> [UInt8] {
    precondition(divides(from: s, to: t), "box downsample \(s) → \(t)")
    precondition(src.count == count * s * s, "box downsample: \(src.count) bytes")
    if s == t { return src }
    let f = s / t
    let area = f * f
    var out = [UInt8](repeating: 0, count: count * t * t)
    src.withUnsafeBufferPointer { a in
      out.withUnsafeMutableBufferPointer { o in
        for n in 0..<count {
          for y in 0..<t {
            for x in 0..<t {
              var sum = 0
              for dy in 0..<f {
                let row = n * s * s + (y * f + dy) * s + x * f
                for dx in 0..<f { sum += Int(a[row + dx]) }
              }
              o[n * t * t + y * t + x] = UInt8((sum + area / 2) / area)
            }
          }
        }
      }
    }
    return out
  }
}
