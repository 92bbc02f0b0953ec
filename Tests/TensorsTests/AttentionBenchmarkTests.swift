import Foundation
import Testing

@testable import Tensors

/// Timing of the fused kernels on the U-Net's attention shapes (batch 32). Skipped unless
/// GLYFFUSER_BENCH=1; run in release (x86-64-v3 is the intended floor, but this toolchain's
/// clang importer rejects that name; haswell is the same AVX2+FMA level):
///   GLYFFUSER_BENCH=1 swift test -c release -Xswiftc -enable-testing \
///     -Xswiftc -target-cpu -Xswiftc haswell --filter AttentionBenchmark
/// Prints one JSON line per shape and direction (best of 5 after a warm-up). The PyTorch peer
/// numbers come from `torch.nn.functional.scaled_dot_product_attention` on the same shapes.
@Suite(.serialized) struct AttentionBenchmarkTests {
  static let enabled = ProcessInfo.processInfo.environment["GLYFFUSER_BENCH"] == "1"

  /// (geometry, number of attended text tokens per batch element, or nil for no mask).
  static let shapes: [(AttentionGeometry, Int?)] = [
    (AttentionGeometry(batch: 32, heads: 4, queryLength: 1024, keyLength: 1024, headDim: 32), nil),
    (AttentionGeometry(batch: 32, heads: 8, queryLength: 1024, keyLength: 1024, headDim: 64), nil),
    (AttentionGeometry(batch: 32, heads: 4, queryLength: 256, keyLength: 256, headDim: 64), nil),
    (AttentionGeometry(batch: 32, heads: 8, queryLength: 256, keyLength: 256, headDim: 32), nil),
    (AttentionGeometry(batch: 32, heads: 4, queryLength: 1024, keyLength: 77, headDim: 32), 20),
    (AttentionGeometry(batch: 32, heads: 8, queryLength: 256, keyLength: 77, headDim: 32), 20),
    (AttentionGeometry(batch: 32, heads: 8, queryLength: 256, keyLength: 16, headDim: 32), nil),
  ]

  @Test(.enabled(if: enabled), arguments: 0..<shapes.count)
  func timeKernels(index: Int) {
    // GLYFFUSER_BENCH_ONLY=0,3 restricts the run to some shapes.
    if let only = ProcessInfo.processInfo.environment["GLYFFUSER_BENCH_ONLY"],
      !only.split(separator: ",").contains(Substring(String(index)))
    {
      return
    }
    let (g, attended) = Self.shapes[index]
    var rng = AttentionTestRandom(state: UInt64(index))
    let q = rng.floats(g.queryElements)
    let k = rng.floats(g.keyElements)
    let v = rng.floats(g.keyElements)
    let gradOut = rng.floats(g.queryElements)
    let mask: [UInt8]? = attended.map { n in
      (0..<(g.batch * g.keyLength)).map { $0 % g.keyLength < n ? 1 : 0 }
    }
    var out = [Float](repeating: 0, count: g.queryElements)
    var lse = [Float](repeating: 0, count: g.rowCount)
    var dq = out
    var dk = [Float](repeating: 0, count: g.keyElements)
    var dv = dk
    let m = mask?.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) }

    func forward() {
      AttentionKernels.forward(g, q: q, k: k, v: v, keyMask: m, out: &out, logsumexp: &lse)
    }
    func backward() {
      AttentionKernels.backward(
        g, q: q, k: k, v: v, keyMask: m, out: out, logsumexp: lse, gradOut: gradOut,
        gradQ: &dq, gradK: &dk, gradV: &dv)
    }
    let fwd = Self.bestMilliseconds { forward() }
    let both = Self.bestMilliseconds {
      forward()
      backward()
    }
    let name =
      "b\(g.batch)_h\(g.heads)_q\(g.queryLength)_k\(g.keyLength)_d\(g.headDim)"
      + (attended.map { "_mask\($0)" } ?? "")
    print(
      #"{"op":"attention","shape":"\#(name)","dir":"fwd","ms":\#(fwd),"#
        + #""gflops":\#(g.flops / fwd / 1e6)}"#)
    print(
      #"{"op":"attention","shape":"\#(name)","dir":"fwd+bwd","ms":\#(both),"#
        + #""gflops":\#((g.flops + g.backwardFlops) / both / 1e6)}"#)
    #expect(out.allSatisfy(\.isFinite) && dq.allSatisfy(\.isFinite))
  }

  static func bestMilliseconds(_ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<5 {
      let start = DispatchTime.now().uptimeNanoseconds
      body()
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return (best * 100).rounded() / 100
  }
}
