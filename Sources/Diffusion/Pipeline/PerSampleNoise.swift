import Tensors

/// Noise drawn row by row, each batch row from its own Philox stream, so image i of a request
/// depends only on its own seed — not on the batch it was generated in or the thread count.
public struct PerSampleNoise: NoiseSource {
  public var streams: [RandomStream]

  /// Streams `name` for seeds `seeds[i]`.
  public init(seeds: [UInt64], name: String) {
    streams = seeds.map { RandomStream(seed: $0, name: name) }
  }

  public mutating func next(shape: [Int]) -> Tensor {
    precondition(shape.first == streams.count, "noise for \(shape), \(streams.count) streams")
    let per = ShapeMath.count(Array(shape.dropFirst()))
    var out = Tensor.zeros(shape)
    out.withMutableFloats { buf in
      for i in streams.indices {
        streams[i].fillNormal(
          UnsafeMutableBufferPointer(rebasing: buf[(i * per)..<((i + 1) * per)]))
      }
    }
    return out
  }
}
