import Diffusion
import Foundation
import Hummingbird
import Imaging
import Logging
import NIOCore

/// `glyffuser serve`: the page, the generation stream and the gallery over HTTP (Hummingbird 2).
///
/// - `GET /`: the page (`ServerPage`), no external resources.
/// - `GET /api/info`: the model, its training steps, the samplers and limits, as JSON.
/// - `GET /api/generate?prompt=…&count=…&steps=…&guidance=…&seed=…&sampler=…`: a server-sent
///   event stream: a `step` event per sampler step with the batch's x_t and predicted x₀ as PNG
///   data URIs, then `done` (the glyphs, the gallery id, the exact settings) or `error`. Closing
///   the stream cancels the generation at its next step. A bad field is a 400 naming it; with
///   one generation running and `queueLimit` waiting, a 429.
/// - `GET /api/gallery`: earlier results (newest first); `GET /gallery/<id>.png`: one grid.
/// - `GET /explain/…`: with `Options.explain`, the figures `glyffuser explain all` wrote.
public enum GlyphServer {
  public struct Options: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// A folder written by `glyffuser explain all`, served under `/explain/` (the Explain tab).
    public var explain: URL?
    public init(host: String = "127.0.0.1", port: Int = 8080, explain: URL? = nil) {
      self.host = host
      self.port = port
      self.explain = explain
    }
  }

  /// The application; `onRunning` hears the bound port (useful with port 0).
  public static func application(
    studio: GlyphStudio, gallery: Gallery, options: Options,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    var logger = Logger(label: "glyffuser.serve")
    logger.logLevel = .warning
    return Application(
      router: router(studio: studio, gallery: gallery, explain: options.explain),
      configuration: .init(
        address: .hostname(options.host, port: options.port), serverName: "glyffuser"),
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
      logger: logger)
  }

  static func router(studio: GlyphStudio, gallery: Gallery, explain: URL? = nil)
    -> Router<BasicRequestContext>
  {
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
          maxCount: GenerationRequest.maxCount, explain: explain != nil))
    }
    router.get("/api/gallery") { _, _ in try json(gallery.entries()) }
    router.get("/gallery/:file") { _, context in
      let file = context.parameters.get("file") ?? ""
      guard file.hasSuffix(".png"), let data = gallery.png(id: String(file.dropLast(4))) else {
        throw HTTPError(.notFound)
      }
      return Response(
        status: .ok, headers: [.contentType: "image/png"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    router.get("/api/generate") { request, _ in
      let query = request.uri.queryParameters
      let generation: GenerationRequest
      do {
        generation = try GenerationRequest(
          query: { query.get($0) }, randomSeed: { UInt64.random(in: 0..<(1 << 31)) })
      } catch let error as RequestError {
        throw HTTPError(.badRequest, message: error.description)
      }
      let ticket: GlyphStudio.Ticket
      do { ticket = try studio.admit() } catch {
        throw HTTPError(.tooManyRequests, message: "\(error)")
      }
      return Response(
        status: .ok,
        headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
        body: stream(generation, ticket: ticket, studio: studio, gallery: gallery))
    }
    return router
  }

  /// The event stream of one generation.
  static func stream(
    _ request: GenerationRequest, ticket: GlyphStudio.Ticket, studio: GlyphStudio, gallery: Gallery
  ) -> ResponseBody {
    ResponseBody { writer in
      let cancelled = Flag()
      let (events, sink) = AsyncStream<ByteBuffer>.makeStream()
      let job = Task {
        defer { sink.finish() }
        do {
          let result = try await studio.generate(
            request, ticket: ticket,
            onStep: { step in
              sink.yield(
                event(
                  "step",
                  StepEvent(
                    index: step.index, total: step.total, xt: dataURI(step.sample),
                    x0: dataURI(step.predictedOriginal))))
            },
            isCancelled: { cancelled.isSet })
          let entry = try gallery.add(result.grid, request: request, seconds: result.seconds)
          sink.yield(
            event(
              "done",
              DoneEvent(
                id: entry.id, request: request, seconds: result.seconds,
                grid: dataURI(result.grid), images: result.images.map(dataURI))))
        } catch is CancellationError {
        } catch {
          sink.yield(event("error", ErrorEvent(message: "\(error)")))
        }
      }
      // A comment line every half second while the job runs: a client that has gone away makes
      // the next write fail within about a second, even while one sampler step takes longer.
      let heartbeat = Task {
        while !Task.isCancelled {
          try? await Task.sleep(for: .milliseconds(500))
          sink.yield(ByteBuffer(string: ": \n\n"))
        }
      }
      defer { heartbeat.cancel() }
      do {
        for await buffer in events { try await writer.write(buffer) }
        try await writer.finish(nil)
      } catch {
        cancelled.set()  // the client went away: stop sampling at the next step
        _ = await job.result
        throw error
      }
      _ = await job.result
    }
  }

  struct Info: Codable {
    var model: String
    var trainingSteps: Int?
    var encoder: String
    var samplers: [String]
    var maxCount: Int
    var explain: Bool
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
  }
  struct ErrorEvent: Codable { var message: String }

  static func event(_ name: String, _ payload: some Encodable) -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let data = (try? encoder.encode(payload)) ?? Data("{}".utf8)
    return ByteBuffer(string: "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n")
  }

  static func json(_ value: some Encodable) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Response(
      status: .ok, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
  }

  static func dataURI(_ image: RasterImage) -> String {
    "data:image/png;base64," + Data((try? PNGEncoder.encode(image)) ?? []).base64EncodedString()
  }
}

/// A thread-safe one-way switch.
final class Flag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  var isSet: Bool { lock.withLock { value } }
  func set() { lock.withLock { value = true } }
}
