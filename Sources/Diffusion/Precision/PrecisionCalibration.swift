import Foundation
import NN
import Tensors

/// Which of fp32 and bf16 convolutions and matrix products is faster on this machine, measured
/// on the work itself: a training step (forward and backward) and a sampling call (forward) of
/// the `tiny` U-Net on random data, in both precisions.
///
/// Why measure rather than read the CPU flags: native bf16 instructions do not make bf16 the
/// faster choice. On an Intel Xeon with avx512_bf16 and no AMX, `tiny` trained at 35 img/s in
/// bf16 and 52 img/s in fp32 (the conversions to and from bf16 cost more than the faster dot
/// products save); on one with AMX bf16 is 1.45× faster than fp32. Only a measurement on the
/// machine tells.
public struct PrecisionCalibration: Codable, Sendable, Equatable {
  /// Seconds of the fastest of the timed repeats, per precision ("f32", "bf16").
  public var trainingSeconds: [String: Double]
  public var inferenceSeconds: [String: Double]
  public var training: Precision
  public var inference: Precision
  /// When it was measured (ISO 8601), for the reader of the cache file.
  public var measured: String

  enum CodingKeys: String, CodingKey {
    case training, inference, measured
    case trainingSeconds = "training_seconds"
    case inferenceSeconds = "inference_seconds"
  }

  /// bf16 must be at least this much faster to be chosen: it rounds every product's operands
  /// to 8 significant bits, so fp32 wins a near tie (and a choice within 5 % of the faster
  /// precision is what the calibration promises).
  public static let bf16Margin = 0.95

  /// The precision to use given the two timings.
  public static func decide(f32: Double, bf16: Double) -> Precision {
    bf16 <= f32 * bf16Margin ? .bf16 : .f32
  }

  /// Measures both precisions: after one untimed call each (oneDNN builds its primitives),
  /// `repeats` rounds alternate f32 and bf16 so that a change in the machine's load hits both,
  /// and the fastest time of each counts. With the `tiny` preset, a training batch of 8 and an
  /// inference batch of 16 this takes one to three seconds on two cores.
  public static func measure(
    config: UNetConfig? = nil, trainingBatch: Int = 8, inferenceBatch: Int = 16, repeats: Int = 3
  ) throws -> PrecisionCalibration {
    let config = try config ?? UNetConfig.preset(named: "tiny", textDim: 384)
    var rng = RandomStream(seed: 0, name: "calibration")
    let model = try UNet2DConditionModel(config, stream: &rng)
    let s = config.sampleSize
    let tokens = 16
    func inputs(_ n: Int) -> (Tensor, Tensor, Tensor, [Float]) {
      (
        Tensor.randomNormal([n, s, s, config.inChannels], stream: &rng),
        Tensor.randomNormal([n, s, s, config.outChannels], stream: &rng),
        Tensor.randomNormal([n, tokens, config.textDim], stream: &rng),
        (0..<n).map { Float(($0 * 397) % 1000) }
      )
    }
    let (xt, target, textT, tT) = inputs(trainingBatch)
    let (xi, _, textI, tI) = inputs(inferenceBatch)
    func trainingStep() {
      let loss = model(xt, timesteps: tT, text: textT, mask: nil).mseLoss(target)
      model.zeroGrad()
      loss.backward()
    }
    func inferenceCall() {
      withNoGrad { _ = model(xi, timesteps: tI, text: textI, mask: nil).scalars }
    }
    func seconds(_ body: () -> Void) -> Double {
      let start = DispatchTime.now().uptimeNanoseconds
      body()
      return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    var training: [Precision: Double] = [:]
    var inference: [Precision: Double] = [:]
    for round in 0...repeats {
      for p in Precision.allCases {
        ComputePrecision.with(p) {
          let tr = seconds(trainingStep)
          let inf = seconds(inferenceCall)
          guard round > 0 else { return }  // the untimed first round
          training[p] = min(training[p] ?? .infinity, tr)
          inference[p] = min(inference[p] ?? .infinity, inf)
        }
      }
    }
    model.zeroGrad()
    let formatter = ISO8601DateFormatter()
    return PrecisionCalibration(
      trainingSeconds: Dictionary(uniqueKeysWithValues: training.map { ($0.rawValue, $1) }),
      inferenceSeconds: Dictionary(uniqueKeysWithValues: inference.map { ($0.rawValue, $1) }),
      training: decide(f32: training[.f32]!, bf16: training[.bf16]!),
      inference: decide(f32: inference[.f32]!, bf16: inference[.bf16]!),
      measured: formatter.string(from: Date()))
  }

  /// The chosen precision's speed-up over the other one for `workload` (≥ 1 when the faster one
  /// was chosen; between 0.95 and 1 when fp32 won a near tie).
  public func speedup(_ workload: PrecisionChoice.Workload) -> Double {
    let t = workload == .training ? trainingSeconds : inferenceSeconds
    let chosen = workload == .training ? training : inference
    let other: Precision = chosen == .f32 ? .bf16 : .f32
    guard let a = t[chosen.rawValue], let b = t[other.rawValue], a > 0 else { return 1 }
    return b / a
  }
}
