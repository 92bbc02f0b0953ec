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
  private var steps: [(primitive: OpaquePointer, args: [dnnl_exec_arg_t])] = []
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
    reorder(source, from: sourceMD, into: target, targetMD)
    return target
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
    steps.append((primitive!, args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }))
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
      step.args.withUnsafeBufferPointer { args in
        oneDNNCheck(
          dnnl_primitive_execute(step.primitive, stream, Int32(args.count), args.baseAddress),
          "primitive_execute")
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
