import Foundation
import Testing

@testable import Tensors

/// Timing of the fused kernels on the U-Net's attention shapes (batch 32). Skipped unless
/// GLYFFUSER_BENCH=1; run in release (x86-64-v3 is the intended floor, but this toolchain's
/// clang importer rejects that name; haswell is the same AVX2+FMA level):
///   GLYFFUSER_BENCH=1 swift test -c release -Xswiftc -enable-testing \
///     -Xswiftc -target-cpu -Xswiftc haswell --filter AttentionBenchmark
/// Prints one JSON line per shape and direction: best wall and CPU ms of 5 after a warm-up. The PyTorch peer
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
    for (dir, t, work) in [("fwd", fwd, g.flops), ("fwd+bwd", both, g.flops + g.backwardFlops)] {
      print(
        #"{"op":"attention","shape":"\#(name)","dir":"\#(dir)","ms":\#(t.wall),"#
          + #""cpu_ms":\#(t.cpu),"gflops":\#((work / t.wall / 1e6 * 10).rounded() / 10)}"#)
    }
    #expect(out.allSatisfy(\.isFinite) && dq.allSatisfy(\.isFinite))
  }

  /// Best wall-clock and best process CPU time (all threads) in ms over 5 runs after a warm-up.
  /// The CPU time is the steadier number when other processes share the two cores.
  static func bestMilliseconds(_ body: () -> Void) -> (wall: Double, cpu: Double) {
    body()
    var best = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<5 {
      let cpu0 = processCPUSeconds()
      let start = DispatchTime.now().uptimeNanoseconds
      body()
      let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      best = (min(best.wall, wall), min(best.cpu, (processCPUSeconds() - cpu0) * 1e3))
    }
    return ((best.wall * 100).rounded() / 100, (best.cpu * 100).rounded() / 100)
  }

  static func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let t = [usage.ru_utime, usage.ru_stime]
    return t.reduce(0) { $0 + Double($1.tv_sec) + Double($1.tv_usec) * 1e-6 }
  }
}
