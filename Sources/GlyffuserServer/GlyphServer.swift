import Diffusion
import Foundation
import Hummingbird
import Imaging
import Logging
import NIOCore
import ServiceLifecycle

/// `glyffuser serve`: the page, the generation streams, the job API and the gallery over HTTP
/// (Hummingbird 2). Every generation is a job on the `JobBoard`; docs/API.md has the requests
/// with curl examples.
///
/// - `GET /`: the page (`ServerPage`), no external resources.
/// - `GET /api/info`, `GET /api/models`, `GET /api/samplers`: what the server draws with.
/// - `GET /api/generate?prompt=…&count=…&steps=…&guidance=…&seed=…&sampler=…`: a job whose
///   server-sent event stream is the answer: a `step` event per sampler step with the batch's
///   x_t and predicted x₀ as PNG data URIs, then `done` (the glyphs, the gallery id, the exact
///   settings; with `Options.nearest`, each glyph's nearest training glyphs) or `error`.
///   Closing the stream cancels the job.
/// - `POST /api/jobs` (JSON body, `ImagesRequestBody`) → 202 `{id}`; `GET /api/jobs/{id}` (state,
///   progress, ETA, the glyphs once done); `GET /api/jobs/{id}/events` (the same events as
///   above; closing it leaves the job running); `DELETE /api/jobs/{id}` cancels.
/// - `POST /v1/images/generations`: OpenAI's shape, answered when the glyphs are drawn.
/// - `GET /api/gallery`: earlier results (newest first); `GET /gallery/<id>.png`: one grid.
/// - `GET /explain/…`: with `Options.explain`, the figures `glyffuser explain all` wrote.
/// - `GET /api/run`, `/api/run/loss.png`, `/api/run/eval.png`, `/api/run/sample.png`: with
///   `Options.run`, a training run read live (`RunWatcher`; the Training tab).
///
/// Errors are JSON (`{"error": {"message": …}}`): 400 a bad field (named), 404, 413 a body over
/// 64 KiB, 429 the queue is full, 503 the server is shutting down.
public enum GlyphServer {
  public struct Options: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// A folder written by `glyffuser explain all`, served under `/explain/` (the Explain tab).
    public var explain: URL?
    /// A training run folder shown live in the Training tab (`/api/run…`).
    public var run: URL?
    /// The training glyphs a finished generation's glyphs are compared with (`serve --dataset`).
    public var nearest: NearestGlyphs?
    public init(
      host: String = "127.0.0.1", port: Int = 8080, explain: URL? = nil, run: URL? = nil,
      nearest: NearestGlyphs? = nil
    ) {
      self.host = host
      self.port = port
      self.explain = explain
      self.run = run
      self.nearest = nearest
    }
  }

  /// The application; `onRunning` hears the bound port (useful with port 0).
  public static func application(
    board: JobBoard, options: Options, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    var logger = Logger(label: "glyffuser.serve")
    logger.logLevel = .warning
    return Application(
      router: router(
        board: board, explain: options.explain, run: options.run.map(RunWatcher.init),
        nearest: options.nearest),
      configuration: .init(
        address: .hostname(options.host, port: options.port), serverName: "glyffuser"),
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
      logger: logger)
  }

  /// Runs the server until SIGINT/SIGTERM. The board is closed first (new jobs get 503, running
  /// and queued ones are cancelled at their next step, so their streams end), then the server
  /// shuts down gracefully: a service group shuts its services down last-first.
  public static func run(
    board: JobBoard, options: Options, onRunning: @escaping @Sendable (Int) async -> Void
  ) async throws {
    let app = application(board: board, options: options, onRunning: onRunning)
    let group = ServiceGroup(
      configuration: .init(
        services: [app, JobBoard.ShutdownService(board: board)],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "glyffuser.serve")))
    try await group.run()
  }

  static func router(
    board: JobBoard, explain: URL? = nil, run: RunWatcher? = nil, nearest: NearestGlyphs? = nil
  ) -> Router<BasicRequestContext> {
    let studio = board.studio
    let gallery = board.gallery
    let router = Router()
    if let explain {
      // The article's figures and the data-set map, as `glyffuser explain all` wrote them.
      router.add(
        middleware: FileMiddleware(
          explain.path, urlBasePath: "/explain", searchForIndexHtml: true,
          logger: Logger(label: "glyffuser.serve.explain")))
    }
    router.get("/") { _, _ in
      Response(
        status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: ServerPage.html)))
    }
    router.get("/api/info") { _, _ in
      try json(
        Info(
          model: studio.modelName, trainingSteps: studio.model.record.trainingSteps,
          encoder: studio.encoder.name, samplers: SamplerName.allCases.map(\.rawValue),
          maxCount: GenerationRequest.maxCount, size: studio.imageSize, explain: explain != nil,
          run: run != nil,
          nearest: nearest != nil))
    }
    if let run {
      router.get("/api/run") { _, _ in try json(try readingRun { try run.summary() }) }
      router.get("/api/run/loss.png") { _, _ in try png(try readingRun { try run.lossPNG() }) }
      router.get("/api/run/eval.png") { _, _ in
        try png(try readingRun { try run.evaluationPNG() })
      }
      router.get("/api/run/sample.png") { _, _ in
        try png(run.newestSample().flatMap { try? Array(Data(contentsOf: $0.url)) })
      }
    }
    router.get("/api/models") { _, _ in
      try json([
        ModelInfo(
          name: studio.modelName, trainingSteps: studio.model.record.trainingSteps,
          encoder: studio.encoder.name, size: studio.imageSize)
      ])
    }
    router.get("/api/samplers") { _, _ in try json(SamplerName.allCases.map(\.rawValue)) }
    router.get("/api/gallery") { _, _ in try json(gallery.entries()) }
    router.get("/gallery/:file") { _, context in
      let file = context.parameters.get("file") ?? ""
      guard file.hasSuffix(".png"), let data = gallery.png(id: String(file.dropLast(4))) else {
        throw HTTPError(.notFound, message: "no such gallery image")
      }
      return Response(
        status: .ok, headers: [.contentType: "image/png"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    router.get("/api/generate") { request, _ in
      let query = request.uri.queryParameters
      let generation = try checked {
        if let size = query.get("size"), size != "\(studio.imageSize)" {
          throw RequestError.invalid(
            field: "size", "this model draws \(studio.imageSize) px glyphs, not \(size.prefix(40))")
        }
        return try GenerationRequest(query: { query.get($0) }, randomSeed: randomSeed)
      }
      let id = try submit(generation, to: board)
      return eventStream(id, board: board, nearest: nearest, cancelOnClose: true)
    }
    router.post("/api/jobs") { request, _ in
      let body = try await readBody(request)
      let id = try submit(
        try checked { try body.request(imageSize: studio.imageSize, randomSeed: randomSeed) },
        to: board)
      return try json(JobCreated(id: id, statusURL: "/api/jobs/\(id)"), status: .accepted)
    }
    router.get("/api/jobs/:id") { _, context in
      try json(try reply(board, id: context.parameters.get("id") ?? ""))
    }
    router.get("/api/jobs/:id/events") { _, context in
      let id = context.parameters.get("id") ?? ""
      guard board.status(id) != nil else { throw HTTPError(.notFound, message: "no such job") }
      return eventStream(id, board: board, nearest: nearest, cancelOnClose: false)
    }
    router.delete("/api/jobs/:id") { _, context in
      let id = context.parameters.get("id") ?? ""
      board.cancel(id)
      return try json(try reply(board, id: id))
    }
    router.post("/v1/images/generations") { request, _ in
      let body = try await readBody(request)
      let id = try submit(
        try checked { try body.request(imageSize: studio.imageSize, randomSeed: randomSeed) },
        to: board)
      guard let events = board.events(id) else { throw HTTPError(.internalServerError) }
      // The client leaving cancels the job, as closing a stream does.
      return try await withTaskCancellationHandler {
        for await case .finished(let status, let result) in events {
          guard status.state == .done, let result else {
            throw HTTPError(
              status.state == .cancelled ? .serviceUnavailable : .internalServerError,
              message: status.error ?? "the generation was cancelled")
          }
          return try json(
            ImagesResponse(
              created: Int(Date().timeIntervalSince1970),
              data: result.images.map { ImagesResponse.Image(b64JSON: base64PNG($0)) }))
        }
        throw HTTPError(.internalServerError)
      } onCancel: {
        board.cancel(id)
      }
    }
    return router
  }

  /// A run folder that cannot be read is a 500 naming the file and line.
  static func readingRun<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
      throw HTTPError(.internalServerError, message: "\(error)")
    }
  }

  /// PNG bytes, or a 404 while there is nothing to show yet.
  static func png(_ bytes: [UInt8]?) throws -> Response {
    guard let bytes else { throw HTTPError(.notFound, message: "nothing to show yet") }
    return Response(
      status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-cache"],
      body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  static let randomSeed: @Sendable () -> UInt64 = { UInt64.random(in: 0..<(1 << 31)) }

  /// A request check's error as a 400 naming the field.
  static func checked<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as RequestError {
      throw HTTPError(.badRequest, message: error.description)
    }
  }

  /// Admits a job: 429 when the queue is full, 503 while shutting down.
  static func submit(_ request: GenerationRequest, to board: JobBoard) throws -> String {
    do { return try board.submit(request) } catch let error as JobBoard.Closed {
      throw HTTPError(.serviceUnavailable, message: error.description)
    } catch {
      throw HTTPError(.tooManyRequests, message: "\(error)")
    }
  }

  /// A request's JSON body, at most `ImagesRequestBody.maxBytes` (413 beyond).
  static func readBody(_ request: Request) async throws -> ImagesRequestBody {
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: ImagesRequestBody.maxBytes)
    } catch is NIOTooManyBytesError {
      throw HTTPError(
        .contentTooLarge, message: "the body is larger than \(ImagesRequestBody.maxBytes) bytes")
    }
    return try checked { try ImagesRequestBody.decode(Data(buffer: buffer)) }
  }

  /// A job's status, with its glyphs as base64 PNGs once it is done; 404 for an unknown id.
  static func reply(_ board: JobBoard, id: String) throws -> JobReply {
    guard let status = board.status(id) else { throw HTTPError(.notFound, message: "no such job") }
    return JobReply(status: status, images: board.result(id)?.images.map(base64PNG))
  }

  /// The server-sent events of job `id`: `step`, then `done` or `error` (nothing for a cancelled
  /// job). A comment line every half second while the job runs: a client that has gone away
  /// makes the next write fail within about a second, even while one sampler step takes longer;
  /// with `cancelOnClose` that cancels the job.
  static func eventStream(
    _ id: String, board: JobBoard, nearest: NearestGlyphs?, cancelOnClose: Bool
  ) -> Response {
    let body = ResponseBody { writer in
      guard let events = board.events(id) else { return }
      let (buffers, sink) = AsyncStream<ByteBuffer>.makeStream()
      let forward = Task {
        defer { sink.finish() }
        for await event in events {
          switch event {
          case .step(let step):
            sink.yield(
              sse(
                "step",
                StepEvent(
                  index: step.index, total: step.total, xt: dataURI(step.sample),
                  x0: dataURI(step.predictedOriginal))))
          case .finished(let status, let result):
            if status.state == .done, let result, let galleryId = status.galleryId {
              sink.yield(
                sse(
                  "done",
                  DoneEvent(
                    id: galleryId, request: status.request, seconds: result.seconds,
                    grid: dataURI(result.grid), images: result.images.map(dataURI),
                    nearest: nearest?.answers(result.images))))
            } else if status.state == .failed {
              sink.yield(sse("error", ErrorEvent(message: status.error ?? "failed")))
            }
          }
        }
      }
      let heartbeat = Task {
        while !Task.isCancelled {
          try? await Task.sleep(for: .milliseconds(500))
          sink.yield(ByteBuffer(string: ": \n\n"))
        }
      }
      defer { heartbeat.cancel() }
      do {
        for await buffer in buffers { try await writer.write(buffer) }
        try await writer.finish(nil)
      } catch {
        if cancelOnClose { board.cancel(id) }  // the client went away: stop at the next step
        forward.cancel()
        throw error
      }
    }
    return Response(
      status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
      body: body)
  }

  struct Info: Codable {
    var model: String
    var trainingSteps: Int?
    var encoder: String
    var samplers: [String]
    var maxCount: Int
    var size: Int
    var explain: Bool
    var run: Bool
    var nearest: Bool
    // snake_case like every other reply of the API (/api/models, /api/jobs, /api/run).
    enum CodingKeys: String, CodingKey {
      case model, encoder, samplers, size, explain, run, nearest
      case trainingSteps = "training_steps"
      case maxCount = "max_count"
    }
  }
  struct ModelInfo: Codable {
    var name: String
    var trainingSteps: Int?
    var encoder: String
    var size: Int
    enum CodingKeys: String, CodingKey {
      case name, encoder, size
      case trainingSteps = "training_steps"
    }
  }
  struct JobCreated: Codable {
    var id: String
    var statusURL: String
    enum CodingKeys: String, CodingKey {
      case id
      case statusURL = "status_url"
    }
  }
  struct JobReply: Encodable {
    var status: JobBoard.Status
    var images: [String]?
    func encode(to encoder: any Encoder) throws {
      try status.encode(to: encoder)
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encodeIfPresent(images, forKey: .images)
    }
    enum CodingKeys: String, CodingKey { case images }
  }
  struct ImagesResponse: Codable {
    struct Image: Codable {
      var b64JSON: String
      enum CodingKeys: String, CodingKey { case b64JSON = "b64_json" }
    }
    var created: Int
    var data: [Image]
  }
  struct StepEvent: Codable {
    var index: Int
    var total: Int
    var xt: String
    var x0: String
  }
  struct DoneEvent: Codable {
    var id: String
    var request: GenerationRequest
    var seconds: Double
    var grid: String
    var images: [String]
    /// With `serve --dataset`: each glyph's nearest training glyphs and whether it is a copy.
    var nearest: [NearestGlyphs.Answer]?
  }
  struct ErrorEvent: Codable { var message: String }

  static func sse(_ name: String, _ payload: some Encodable) -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let data = (try? encoder.encode(payload)) ?? Data("{}".utf8)
    return ByteBuffer(string: "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n")
  }

  static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
  }

  static func base64PNG(_ image: RasterImage) -> String {
    Data((try? PNGEncoder.encode(image)) ?? []).base64EncodedString()
  }

  static func dataURI(_ image: RasterImage) -> String {
    "data:image/png;base64," + base64PNG(image)
  }
}

extension JobBoard {
  /// Closes the board when graceful shutdown begins (`GlyphServer.run` lists it after the
  /// application, so it is told first).
  struct ShutdownService: Service {
    let board: JobBoard
    func run() async throws {
      try? await gracefulShutdown()
      board.close()
    }
  }
}

/// A thread-safe one-way switch.
final class Flag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  var isSet: Bool { lock.withLock { value } }
  func set() { lock.withLock { value = true } }
}
