import CDNNL

/// A ready-to-run sequence of oneDNN primitives (reorders, then the computation, then
/// reorders back) with its memory objects.
///
/// "User" memories wrap caller pointers, rebound on every call in the order they were
/// declared; "buffer" memories (reordered weights, bf16 copies) are owned by the plan.
/// Scratchpads are in user mode: oneDNN's default ("library", a thread-local global buffer
/// sized at creation) breaks when a primitive is created on one thread and executed on
/// another, which Swift concurrency does all the time (seen as sporadic
/// `dnnl_invalid_arguments` from gemm-based convolutions). ``OneDNNRuntime`` lends every
/// plan one shared scratch buffer of at least ``scratchpadSize`` bytes.
/// Not thread-safe: ``OneDNNRuntime`` runs plans under its lock.
final class OneDNNPlan {
  let engine: OpaquePointer
  /// Bytes of scratch memory the largest step needs.
  private(set) var scratchpadSize = 0
  private var scratchpadMemories: [OpaquePointer] = []
  private var userMemories: [OpaquePointer] = []
  private var ownedMemories: [OpaquePointer] = []
  private var ownedPrimitives: [OpaquePointer] = []
  private var steps: [Step] = []

  /// One thing `execute` does: run a oneDNN primitive, or round fp32 to bf16 in Swift.
  private enum Step {
    case primitive(OpaquePointer, [dnnl_exec_arg_t])
    /// Dense fp32 → bf16 of `count` elements between two memories of the same layout.
    case roundToBF16(source: OpaquePointer, target: OpaquePointer, count: Int)
  }
  /// oneDNN implementation name of each step, e.g. `brgconv:avx2`, `jit:uni`.
  private(set) var implementations: [String] = []

  init(engine: OpaquePointer) { self.engine = engine }

  deinit {
    for p in ownedPrimitives { dnnl_primitive_destroy(p) }
    for m in ownedMemories { dnnl_memory_destroy(m) }
  }

  /// Declares the next caller-provided pointer (bound at `execute`).
  func userMemory(_ md: dnnl_memory_desc_t) -> OpaquePointer {
    let memory = makeMemory(md, handle: nil)
    userMemories.append(memory)
    return memory
  }

  /// A plan-owned buffer allocated by oneDNN.
  func buffer(_ md: dnnl_memory_desc_t) -> OpaquePointer {
    makeMemory(md, handle: UnsafeMutableRawPointer(bitPattern: -1))  // DNNL_MEMORY_ALLOCATE
  }

  private func makeMemory(_ md: dnnl_memory_desc_t, handle: UnsafeMutableRawPointer?)
    -> OpaquePointer
  {
    var md = md
    var memory: OpaquePointer?
    oneDNNCheck(dnnl_memory_create(&memory, &md, engine, handle), "memory_create")
    ownedMemories.append(memory!)
    return memory!
  }

  /// Appends a reorder `source (sourceMD) → new buffer (targetMD)`; returns `source`
  /// unchanged when the descriptors already agree.
  func reorder(
    _ source: OpaquePointer, from sourceMD: dnnl_memory_desc_t, to targetMD: dnnl_memory_desc_t
  ) -> OpaquePointer {
    if oneDNNEqual(sourceMD, targetMD) { return source }
    let target = buffer(targetMD)
    if Self.roundsInSwift, let count = Self.denseRoundingCount(from: sourceMD, to: targetMD) {
      steps.append(.roundToBF16(source: source, target: target, count: count))
      implementations.append("swift:bf16")
    } else {
      reorder(source, from: sourceMD, into: target, targetMD)
    }
    return target
  }

  /// `GLYFFUSER_ONEDNN_ROUNDING=onednn` keeps oneDNN's reorder for fp32 → bf16 (benchmarking).
  static let roundsInSwift = oneDNNEnvironment("GLYFFUSER_ONEDNN_ROUNDING") != "onednn"

  /// The element count when `targetMD` is `sourceMD` with f32 replaced by bf16 and the layout
  /// is dense (no padding, no gaps): then the reorder is an element-wise rounding, which
  /// ``BF16Kernels`` does 3× faster than oneDNN 2.6's reorder. nil otherwise.
  static func denseRoundingCount(
    from sourceMD: dnnl_memory_desc_t, to targetMD: dnnl_memory_desc_t
  ) -> Int? {
    guard sourceMD.data_type == dnnl_f32, targetMD.data_type == dnnl_bf16 else { return nil }
    var asBF16 = sourceMD
    asBF16.data_type = dnnl_bf16
    guard oneDNNEqual(asBF16, targetMD) else { return nil }
    var source = sourceMD
    var target = targetMD
    let count = dnnl_memory_desc_get_size(&source) / 4
    guard count > 0, dnnl_memory_desc_get_size(&target) == 2 * count else { return nil }
    let rank = Int(sourceMD.ndims)
    let logical = withUnsafeBytes(of: sourceMD.dims) {
      $0.bindMemory(to: Int64.self).prefix(rank).reduce(1) { $0 * Int($1) }
    }
    return logical == count ? count : nil
  }

  /// Appends a reorder from one existing memory into another.
  func reorder(
    _ source: OpaquePointer, from sourceMD: dnnl_memory_desc_t, into target: OpaquePointer,
    _ targetMD: dnnl_memory_desc_t
  ) {
    var src = sourceMD
    var dst = targetMD
    var pd: OpaquePointer?
    let attr = Self.makeAttributes()
    defer { dnnl_primitive_attr_destroy(attr) }
    oneDNNCheck(
      dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, attr), "reorder_pd")
    append(pd!, [(DNNL_ARG_FROM, source), (DNNL_ARG_TO, target)])
  }

  /// Creates the primitive for `pd` (and destroys `pd`), to run with `args` in order.
  func append(_ pd: OpaquePointer, _ args: [(Int32, OpaquePointer)]) {
    implementations.append(Self.implementationName(pd))
    var args = args
    if let scratchMD = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
      var md = scratchMD.pointee
      let size = dnnl_memory_desc_get_size(&md)
      if size > 0 {
        let memory = makeMemory(md, handle: nil)
        scratchpadMemories.append(memory)
        scratchpadSize = max(scratchpadSize, size)
        args.append((DNNL_ARG_SCRATCHPAD, memory))
      }
    }
    var primitive: OpaquePointer?
    oneDNNCheck(dnnl_primitive_create(&primitive, pd), "primitive_create")
    dnnl_primitive_desc_destroy(pd)
    ownedPrimitives.append(primitive!)
    steps.append(.primitive(primitive!, args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }))
  }

  /// Binds `pointers` to the user memories (declaration order) and runs every step.
  /// `scratchpad` must hold ``scratchpadSize`` bytes (64-byte aligned).
  func execute(
    stream: OpaquePointer, _ pointers: [UnsafeMutableRawPointer?],
    scratchpad: UnsafeMutableRawPointer?
  ) {
    precondition(pointers.count == userMemories.count, "OneDNNPlan: pointer count mismatch")
    for (memory, pointer) in zip(userMemories, pointers) {
      oneDNNCheck(dnnl_memory_set_data_handle(memory, pointer), "memory_set_data_handle")
    }
    for memory in scratchpadMemories {
      oneDNNCheck(dnnl_memory_set_data_handle(memory, scratchpad), "memory_set_data_handle")
    }
    for step in steps {
      switch step {
      case .primitive(let primitive, let args):
        args.withUnsafeBufferPointer { args in
          oneDNNCheck(
            dnnl_primitive_execute(primitive, stream, Int32(args.count), args.baseAddress),
            "primitive_execute")
        }
      case .roundToBF16(let source, let target, let count):
        // oneDNN CPU primitives (OpenMP runtime) finish inside `dnnl_primitive_execute`, so
        // whatever an earlier step wrote into `source` is complete here.
        var from: UnsafeMutableRawPointer?
        var to: UnsafeMutableRawPointer?
        oneDNNCheck(dnnl_memory_get_data_handle(source, &from), "memory_get_data_handle")
        oneDNNCheck(dnnl_memory_get_data_handle(target, &to), "memory_get_data_handle")
        BF16Kernels.round(
          from!.assumingMemoryBound(to: Float.self),
          into: to!.assumingMemoryBound(to: UInt16.self), count: count)
      }
    }
    oneDNNCheck(dnnl_stream_wait(stream), "stream_wait")
  }

  /// The memory descriptor a primitive descriptor chose for `what` (e.g. weights).
  static func query(_ pd: OpaquePointer, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
    guard let md = dnnl_primitive_desc_query_md(pd, what, 0) else {
      preconditionFailure("oneDNN query_md(\(what.rawValue)) returned nothing")
    }
    return md.pointee
  }

  static func implementationName(_ pd: OpaquePointer) -> String {
    var name: UnsafePointer<CChar>?
    guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success,
      let name
    else { return "?" }
    return String(cString: name)
  }

  /// Primitive attributes with a user-provided scratchpad; the caller destroys them.
  static func makeAttributes() -> OpaquePointer {
    var attr: OpaquePointer?
    oneDNNCheck(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
    oneDNNCheck(
      dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
      "attr_set_scratchpad_mode")
    return attr!
  }

  /// The first implementation oneDNN offers (fastest first) whose name passes `accept`,
  /// or `nil` when there is none. `attr` must come from ``makeAttributes()``; nil uses a
  /// fresh one.
  static func makeDescriptor(
    _ opDesc: UnsafeRawPointer, attr: OpaquePointer? = nil, engine: OpaquePointer,
    hint: OpaquePointer? = nil, accept: (String) -> Bool = { _ in true }
  ) -> OpaquePointer? {
    let ownAttr = attr == nil ? makeAttributes() : nil
    defer { if let ownAttr { dnnl_primitive_attr_destroy(ownAttr) } }
    var iterator: OpaquePointer?
    let status = dnnl_primitive_desc_iterator_create(
      &iterator, opDesc, attr ?? ownAttr, engine, hint)
    if status == dnnl_unimplemented { return nil }
    oneDNNCheck(status, "primitive_desc_iterator_create")
    defer { dnnl_primitive_desc_iterator_destroy(iterator) }
    repeat {
      guard let pd = dnnl_primitive_desc_iterator_fetch(iterator) else { return nil }
      if accept(implementationName(pd)) { return pd }
      dnnl_primitive_desc_destroy(pd)
    } while dnnl_primitive_desc_iterator_next(iterator) == dnnl_success
    return nil
  }

}
