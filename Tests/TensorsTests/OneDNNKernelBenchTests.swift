import Testing

@testable import Tensors

#if canImport(Glibc)
  import Glibc
#endif

// Raw-kernel benchmark (no Tensor overhead): oneDNN convolutions and linear-layer matmuls
// on the U-Net shapes, printed as the JSON lines of scripts/peers/bench_ops.py (same op /
// shape / dtype / direction keys, plus "impl"). Not a test: it runs only when
// GLYFFUSER_BENCH_KERNELS=1 (repeats: GLYFFUSER_BENCH_REPEATS, default 5; median printed):
//   GLYFFUSER_BENCH_KERNELS=1 swift test -c release --filter OneDNNKernelBench

/// Parses the conv shape key of bench_ops.py: "B32 C64 64x64 k3", "B32 C64->128 32x32 k1",
/// "B32 C64 64x64 k3 s2" (padding k/2).
func oneDNNBenchConvGeometry(_ key: String) -> Conv2dGeometry {
  let parts = key.split(separator: " ")
  let batch = Int(parts[0].dropFirst())!
  let channels = parts[1].dropFirst().split(separator: "-")
  let inC = Int(channels[0])!
  let outC = channels.count > 1 ? Int(channels[1].dropFirst())! : inC
  let hw = parts[2].split(separator: "x")
  let k = Int(parts[3].dropFirst())!
  let s = parts.count > 4 ? Int(parts[4].dropFirst())! : 1
  return Conv2dGeometry(
    batch: batch, height: Int(hw[0])!, width: Int(hw[1])!, inChannels: inC, outChannels: outC,
    kernel: k, stride: s, padding: k / 2)
}

let oneDNNBenchConvShapes = [
  "B32 C64 64x64 k3", "B32 C128 32x32 k3", "B32 C256 16x16 k3",
  "B32 C64->128 32x32 k1", "B32 C128->256 16x16 k1",
  "B32 C64 64x64 k3 s2", "B32 C128 32x32 k3 s2",
]
/// "B32x1024 128->512": rows = 32·1024, in 128, out 512.
let oneDNNBenchLinearShapes = ["B32x1024 128->512", "B32x256 256->1024", "B32x77 768->256"]

func oneDNNBenchMedianMs(repeats: Int, _ body: () -> Void) -> Double {
  body()  // warm-up (builds primitives)
  body()
  var times: [Double] = []
  for _ in 0..<repeats {
    var t0 = timespec()
    var t1 = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t0)
    body()
    clock_gettime(CLOCK_MONOTONIC, &t1)
    times.append(Double(t1.tv_sec - t0.tv_sec) * 1e3 + Double(t1.tv_nsec - t0.tv_nsec) / 1e6)
  }
  return times.sorted()[times.count / 2]
}

func oneDNNBenchLine(
  _ op: String, _ shape: String, _ dtype: String, _ dir: String, ms: Double, flops: Double,
  impl: String
) {
  let gflops = flops / (ms * 1e6)
  let msText = "\((ms * 1000).rounded() / 1000)"
  print(
    "{\"op\": \"\(op)\", \"shape\": \"\(shape)\", \"dtype\": \"\(dtype)\", \"direction\": \"\(dir)\", \"ms\": \(msText), \"gflops\": \(Int(gflops.rounded())), \"impl\": \"\(impl)\"}"
  )
}

@Suite(.enabled(if: getenv("GLYFFUSER_BENCH_KERNELS") != nil), .serialized)
struct OneDNNKernelBench {
  let repeats = getenv("GLYFFUSER_BENCH_REPEATS").map { Int(String(cString: $0)) ?? 5 } ?? 5

  /// GLYFFUSER_BENCH_SHAPES="key|key": only these shapes.
  func selected(_ key: String) -> Bool {
    guard let only = getenv("GLYFFUSER_BENCH_SHAPES") else { return true }
    return String(cString: only).split(separator: "|").contains { $0 == key }
  }

  @Test(arguments: oneDNNBenchConvShapes) func conv(_ key: String) {
    guard selected(key) else { return }
    let g = oneDNNBenchConvGeometry(key)
    let x = oneDNNTestValues(g.inputCount, seed: 1)
    let w = oneDNNTestValues(g.weightCount, seed: 2).map { $0 * 0.05 }
    let b = oneDNNTestValues(g.outChannels, seed: 3)
    let dy = oneDNNTestValues(g.outputCount, seed: 4)
    var y = [Float](repeating: 0, count: g.outputCount)
    var dx = [Float](repeating: 0, count: g.inputCount)
    var dw = [Float](repeating: 0, count: g.weightCount)
    var db = [Float](repeating: 0, count: g.outChannels)
    let precisions: [Precision] = getenv("GLYFFUSER_BENCH_BF16") != nil ? [.f32, .bf16] : [.f32]
    for p in precisions {
      let fwd = { OneDNN.conv2dForward(g, input: x, weight: w, bias: b, output: &y, precision: p) }
      let bwdData = {
        OneDNN.conv2dBackwardData(g, gradOutput: dy, weight: w, gradInput: &dx, precision: p)
      }
      let bwdWeights = {
        OneDNN.conv2dBackwardWeights(
          g, input: x, gradOutput: dy, gradWeight: &dw, gradBias: &db, precision: p)
      }
      let impl = ["fwd", "bwd_d", "bwd_w"].map {
        OneDNN.convImplementations(g, direction: $0, precision: p, withBias: $0 != "bwd_d")
          .joined(separator: "+")
      }
      let tf = oneDNNBenchMedianMs(repeats: repeats, fwd)
      let td = oneDNNBenchMedianMs(repeats: repeats, bwdData)
      let tw = oneDNNBenchMedianMs(repeats: repeats, bwdWeights)
      let t = p.rawValue
      oneDNNBenchLine("conv2d", key, t, "fwd", ms: tf, flops: g.flops, impl: impl[0])
      oneDNNBenchLine("conv2d", key, t, "bwd_data", ms: td, flops: g.flops, impl: impl[1])
      oneDNNBenchLine("conv2d", key, t, "bwd_weights", ms: tw, flops: g.flops, impl: impl[2])
      oneDNNBenchLine("conv2d", key, t, "bwd", ms: td + tw, flops: 2 * g.flops, impl: "")
      oneDNNBenchLine("conv2d", key, t, "fwd+bwd", ms: tf + td + tw, flops: 3 * g.flops, impl: "")
      // Checksums to compare runs with OMP_NUM_THREADS=1 and 2 bit for bit.
      func bits(_ v: [Float]) -> UInt64 {
        v.reduce(UInt64(1_469_598_103_934_665_603)) {
          ($0 ^ UInt64($1.bitPattern)) &* 1_099_511_628_211
        }
      }
      print(
        "checksum conv2d \(key) \(t) fwd \(bits(y)) bwd_data \(bits(dx)) bwd_weights \(bits(dw)) bias \(bits(db))"
      )
    }
  }

  @Test(arguments: oneDNNBenchLinearShapes) func linear(_ key: String) {
    guard selected(key) else { return }
    let parts = key.split(separator: " ")
    let bt = parts[0].dropFirst().split(separator: "x").map { Int($0)! }
    let io = parts[1].split(separator: "-").map { Int($0.trimmingPrefix(">"))! }
    let (rows, inF, outF) = (bt[0] * bt[1], io[0], io[1])
    let x = oneDNNTestValues(rows * inF, seed: 1)
    let w = oneDNNTestValues(outF * inF, seed: 2)
    let b = oneDNNTestValues(outF, seed: 3)
    let dy = oneDNNTestValues(rows * outF, seed: 4)
    var y = [Float](repeating: 0, count: rows * outF)
    var dx = [Float](repeating: 0, count: rows * inF)
    var dw = [Float](repeating: 0, count: outF * inF)
    let flops = 2 * Double(rows) * Double(inF) * Double(outF)
    for p in [Precision.f32] {
      // y = x·Wᵀ + b;  dx = dy·W;  dW = dyᵀ·x  (bias grad is a column sum, not timed here)
      let tf = oneDNNBenchMedianMs(repeats: repeats) {
        OneDNN.matmul(
          batch: 1, m: rows, n: outF, k: inF, a: x, transposeA: false, b: w, transposeB: true,
          bBatchStride: 0, c: &y, bias: b, accumulate: false, precision: p)
      }
      let td = oneDNNBenchMedianMs(repeats: repeats) {
        OneDNN.matmul(
          batch: 1, m: rows, n: inF, k: outF, a: dy, transposeA: false, b: w, transposeB: false,
          bBatchStride: 0, c: &dx, bias: nil, accumulate: false, precision: p)
      }
      let tw = oneDNNBenchMedianMs(repeats: repeats) {
        OneDNN.matmul(
          batch: 1, m: outF, n: inF, k: rows, a: dy, transposeA: true, b: x, transposeB: false,
          bBatchStride: 0, c: &dw, bias: nil, accumulate: false, precision: p)
      }
      let impl = OneDNN.matmulImplementations(
        batch: 1, m: rows, n: outF, k: inF, transposeB: true, withBias: true, precision: p
      ).joined(separator: "+")
      oneDNNBenchLine("linear", key, p.rawValue, "fwd", ms: tf, flops: flops, impl: impl)
      oneDNNBenchLine("linear", key, p.rawValue, "bwd", ms: td + tw, flops: 2 * flops, impl: "")
      oneDNNBenchLine(
        "linear", key, p.rawValue, "fwd+bwd", ms: tf + td + tw, flops: 3 * flops, impl: "")
    }
  }
}
