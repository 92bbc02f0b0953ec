import Dispatch
import Synchronization

/// Work splitting over the machine's cores.
///
/// Chunk boundaries depend only on the problem size, never on the number of threads, so a kernel
/// that reduces within a chunk and combines chunks in order gives the same bits on any machine.
public enum Parallel {
  /// Threads used for Swift kernels (oneDNN uses its own OpenMP pool of the same size).
  public static var threadCount: Int { threadOverride ?? defaultThreadCount }

  static let defaultThreadCount: Int = {
    if let s = getenvString("GLYFFUSER_THREADS"), let n = Int(s), n > 0 { return n }
    return max(1, ProcessInfoLite.activeProcessorCount)
  }()

  @TaskLocal static var threadOverride: Int?

  /// Runs `body` with Swift kernels limited to `n` threads (tests of thread-count independence).
  public static func withThreadCount<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
    try $threadOverride.withValue(n) { try body() }
  }

  /// Calls `body(chunkIndex, range)` for consecutive ranges of `count` items, each of size
  /// `chunk` (the last may be shorter), spread over the threads.
  public static func forChunks(
    _ count: Int, chunk: Int, _ body: (Int, Range<Int>) -> Void
  ) {
    precondition(chunk > 0)
    let chunks = (count + chunk - 1) / chunk
    let threads = threadCount
    if chunks <= 1 || threads == 1 {
      for c in 0..<chunks { body(c, (c * chunk)..<min(count, (c + 1) * chunk)) }
      return
    }
    withoutActuallyEscaping(body) { body in
      if let omp = OpenMP.shared {
        // Share oneDNN's OpenMP pool: no second set of threads competing for the cores.
        let job = OpenMPJob(body: body, count: count, chunk: chunk, chunks: chunks)
        omp.run(job, threads: threads)
        return
      }
      let box = UncheckedBox(body)
      let workers = min(chunks, threads * 4)
      DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var c = worker
        while c < chunks {
          box.value(c, (c * chunk)..<min(count, (c + 1) * chunk))
          c += workers
        }
      }
    }
  }

  /// `[transform(0), …, transform(count − 1)]`, computed in chunks of `chunk` items spread over
  /// the threads (each element independently: the same result on any thread count).
  public static func map<T>(_ count: Int, chunk: Int, _ transform: (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      let out = SendablePointer(buffer.baseAddress!)
      forChunks(count, chunk: chunk) { _, range in
        for i in range { (out.pointer + i).initialize(to: transform(i)) }
      }
      initialized = count
    }
  }

  /// Element-wise loops: splits `count` elements into cache-sized chunks and runs them in
  /// parallel when the work is large enough to pay for the thread hand-off.
  @inline(__always)
  public static func forElements(_ count: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    if count <= grain {
      body(0..<count)
      return
    }
    forChunks(count, chunk: grain) { _, r in body(r) }
  }
}

struct UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}

/// Sendable wrapper for raw pointers handed to parallel kernels.
public struct SendablePointer<T>: @unchecked Sendable {
  public let pointer: UnsafeMutablePointer<T>
  public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
  public init(_ pointer: UnsafePointer<T>) {
    self.pointer = UnsafeMutablePointer(mutating: pointer)
  }
}

#if canImport(Glibc)
  import Glibc
#endif

func getenvString(_ name: String) -> String? {
  guard let p = getenv(name) else { return nil }
  return String(cString: p)
}

enum ProcessInfoLite {
  static var activeProcessorCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

/// libgomp's entry points, found at run time (oneDNN links libgomp, so they are in the process):
/// `GOMP_parallel(fn, data, nthreads, flags)` runs fn(data) on a team of threads.
final class OpenMP: @unchecked Sendable {
  typealias ParallelFn =
    @convention(c) (
      @convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32
    ) -> Void
  typealias IntFn = @convention(c) () -> Int32

  typealias SetFn = @convention(c) (Int32) -> Void

  let parallel: ParallelFn
  let threadNum: IntFn
  let numThreads: IntFn
  let maxThreads: IntFn
  let setNumThreads: SetFn

  /// Runs `body` with this thread's OpenMP team size set to 1 (oneDNN then runs serially).
  func withSingleThread(_ body: () -> Void) {
    let saved = maxThreads()
    setNumThreads(1)
    defer { setNumThreads(saved) }
    body()
  }

  static let shared: OpenMP? = {
    if getenvString("GLYFFUSER_DISPATCH") != nil { return nil }
    guard let handle = dlopen(nil, RTLD_NOW),
      let p = dlsym(handle, "GOMP_parallel"), let t = dlsym(handle, "omp_get_thread_num"),
      let n = dlsym(handle, "omp_get_num_threads"), let mx = dlsym(handle, "omp_get_max_threads"),
      let st = dlsym(handle, "omp_set_num_threads")
    else { return nil }
    return OpenMP(
      parallel: unsafeBitCast(p, to: ParallelFn.self), threadNum: unsafeBitCast(t, to: IntFn.self),
      numThreads: unsafeBitCast(n, to: IntFn.self), maxThreads: unsafeBitCast(mx, to: IntFn.self),
      setNumThreads: unsafeBitCast(st, to: SetFn.self))
  }()

  init(
    parallel: ParallelFn, threadNum: IntFn, numThreads: IntFn, maxThreads: IntFn,
    setNumThreads: SetFn
  ) {
    self.parallel = parallel
    self.threadNum = threadNum
    self.numThreads = numThreads
    self.maxThreads = maxThreads
    self.setNumThreads = setNumThreads
  }

  func run(_ job: OpenMPJob, threads: Int) {
    let data = Unmanaged.passRetained(job).toOpaque()
    parallel(
      { raw in
        let job = Unmanaged<OpenMPJob>.fromOpaque(raw!).takeUnretainedValue()
        // Each thread takes the next chunk not yet taken, so a thread that the VM stalls (or
        // that runs on a busier core) holds back at most its current chunk, where a fixed
        // interleaving made the whole team wait for its share. Which thread runs a chunk
        // does not change what the chunk computes.
        while true {
          let c = job.next.wrappingAdd(1, ordering: .relaxed).oldValue
          if c >= job.chunks { break }
          job.body(c, (c * job.chunk)..<min(job.count, (c + 1) * job.chunk))
        }
      }, data, UInt32(min(threads, job.chunks)), 0)
    Unmanaged<OpenMPJob>.fromOpaque(data).release()
  }
}

final class OpenMPJob: @unchecked Sendable {
  let body: (Int, Range<Int>) -> Void
  /// The next chunk to hand out.
  let next = Atomic<Int>(0)
  let count: Int
  let chunk: Int
  let chunks: Int
  init(body: @escaping (Int, Range<Int>) -> Void, count: Int, chunk: Int, chunks: Int) {
    self.body = body
    self.count = count
    self.chunk = chunk
    self.chunks = chunks
  }
}
