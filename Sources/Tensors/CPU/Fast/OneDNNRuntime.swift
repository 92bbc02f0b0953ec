import CDNNL
import Synchronization

/// The process-wide oneDNN CPU engine and stream, plus the cache of built plans.
///
/// Every oneDNN call from Glyffuser goes through ``run(_:build:execute:)``, which holds one
/// lock while it looks up (or builds) the plan and executes it. oneDNN parallelises each
/// primitive itself (OpenMP over the cores), so serialising calls costs no throughput and
/// lets a plan keep its memory objects and bind user pointers with
/// `dnnl_memory_set_data_handle` instead of creating them per call.
final class OneDNNRuntime: Sendable {
  static let shared = OneDNNRuntime()

  private struct State: ~Copyable {
    let engine: OpaquePointer
    let stream: OpaquePointer
    /// `nil` records that oneDNN has no implementation for this key (e.g. bf16 on AVX2).
    var plans: [OneDNNPlanKey: OneDNNPlan?] = [:]
    /// One scratchpad shared by all plans (they run one at a time).
    var scratchpad: UnsafeMutableRawPointer?
    var scratchpadCapacity = 0
  }

  private let state: Mutex<State>

  private init() {
    var engine: OpaquePointer?
    oneDNNCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
    var stream: OpaquePointer?
    oneDNNCheck(
      dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
    state = Mutex(State(engine: engine!, stream: stream!))
  }

  /// Finds or builds the plan for `key` and executes it on `pointers` (the plan's user
  /// memories, in order) under the lock. Returns `false`, running nothing, when oneDNN
  /// cannot implement `key`.
  func run(
    _ key: OneDNNPlanKey, _ pointers: [UnsafeMutableRawPointer?],
    build: (OpaquePointer) -> OneDNNPlan?
  ) -> Bool {
    withPlan(key, build: build) { plan, state in
      if plan.scratchpadSize > state.scratchpadCapacity {
        state.scratchpad?.deallocate()
        state.scratchpad = .allocate(byteCount: plan.scratchpadSize, alignment: 64)
        state.scratchpadCapacity = plan.scratchpadSize
      }
      plan.execute(stream: state.stream, pointers, scratchpad: state.scratchpad)
    }
  }

  private func withPlan(
    _ key: OneDNNPlanKey, build: (OpaquePointer) -> OneDNNPlan?,
    _ body: (OneDNNPlan, inout State) -> Void
  ) -> Bool {
    state.withLock { state in
      let plan: OneDNNPlan?
      if let cached = state.plans[key] {
        plan = cached
      } else {
        plan = build(state.engine)
        state.plans[key] = plan
      }
      guard let plan else { return false }
      body(plan, &state)
      return true
    }
  }

  /// Implementation names oneDNN chose for a cached key (`ONEDNN_VERBOSE` style), for tests
  /// and benchmarks; builds the plan if needed. Empty when unimplemented.
  func implementations(_ key: OneDNNPlanKey, build: (OpaquePointer) -> OneDNNPlan?) -> [String] {
    var names: [String] = []
    _ = withPlan(key, build: build) { plan, _ in names = plan.implementations }
    return names
  }

  /// Drops every cached plan (tests: primitives fix their thread split when built).
  func removeAllPlans() { state.withLock { $0.plans.removeAll() } }

  /// Number of cached plans (for tests of the cache).
  var cachedPlanCount: Int { state.withLock { $0.plans.count } }
}

/// What a plan computes; equal keys share one set of primitives.
enum OneDNNPlanKey: Hashable, Sendable {
  /// `bf16Operands`: the activation operands (x, dy) arrive as bf16 and the forward result
  /// leaves as bf16; gradients are fp32 unless `bf16GradInput` (backward data: dx is written
  /// as bf16, the gradient of a bf16 x).
  case conv(
    Conv2dGeometry, OneDNNConvDirection, Precision, withBias: Bool, weights: OneDNNWeightsFormat,
    bf16Operands: Bool = false, bf16GradInput: Bool = false)
  case matmul(OneDNNMatmulShape, Precision)
}

enum OneDNNConvDirection: Hashable, Sendable { case forward, backwardData, backwardWeights }

/// How convolution weights reach the primitive: `.plain` lets the primitive read OHWI
/// directly; `.any` lets oneDNN pick a blocked layout and pays a reorder on every call.
enum OneDNNWeightsFormat: Hashable, Sendable { case plain, any }

/// Aborts with the oneDNN status when a call that cannot fail for valid shapes fails.
@inline(__always)
func oneDNNCheck(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
  precondition(status == dnnl_success, "oneDNN \(what()) failed with status \(status.rawValue)")
}

/// A plain memory descriptor: `dims` in oneDNN's logical order, physical order from `tag`.
func oneDNNDesc(_ dims: [Int], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t)
  -> dnnl_memory_desc_t
{
  var md = dnnl_memory_desc_t()
  let d = dims.map(Int64.init)
  oneDNNCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), "md_init_by_tag")
  return md
}

/// A plain memory descriptor with explicit element strides.
func oneDNNDesc(_ dims: [Int], _ type: dnnl_data_type_t, strides: [Int]) -> dnnl_memory_desc_t {
  var md = dnnl_memory_desc_t()
  let d = dims.map(Int64.init)
  let s = strides.map(Int64.init)
  oneDNNCheck(
    dnnl_memory_desc_init_by_strides(&md, Int32(d.count), d, type, s), "md_init_by_strides")
  return md
}

func oneDNNEqual(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
  var a = a
  var b = b
  return dnnl_memory_desc_equal(&a, &b) != 0
}
