import Diffusion
import Foundation
import Glibc
import Hummingbird
import Testing

@testable import GlyffuserServer

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The server end to end: a live Hummingbird application on a free loopback port, the shipped
/// model, and plain HTTP requests — the page, the info, a generation streamed step by step into
/// the gallery, and hostile query strings refused with the field named.
@Suite(.serialized) struct GlyphServerTests {
  static var shippedModel: URL? {
    let url = ShippedModels.locate(ShippedModels.glyffuser)
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// Runs `body` against a server on a free port (serving `model`, default the shipped one),
  /// then shuts it down.
  static func withServer(
    model: URL? = nil, explain: URL? = nil, run: URL? = nil, nearest: NearestGlyphs? = nil,
    queueLimit: Int = 8,
    _ body: @Sendable (URL, Gallery) async throws -> Void
  ) async throws {
    try await withBoard(
      model: model, explain: explain, run: run, nearest: nearest, queueLimit: queueLimit
    ) { base, board in try await body(base, board.gallery) }
  }

  /// The same, handing `body` the server's job board.
  static func withBoard(
    model: URL? = nil, explain: URL? = nil, run: URL? = nil, nearest: NearestGlyphs? = nil,
    queueLimit: Int = 8,
    _ body: @Sendable (URL, JobBoard) async throws -> Void
  ) async throws {
    let studio = try GlyphStudio(model: try model ?? #require(shippedModel), queueLimit: queueLimit)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-serve-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let board = JobBoard(studio: studio, gallery: try Gallery(folder: folder))
    let (ports, portSink) = AsyncStream<Int>.makeStream()
    let app = GlyphServer.application(
      board: board,
      options: .init(host: "127.0.0.1", port: 0, explain: explain, run: run, nearest: nearest)
    ) { port in portSink.yield(port) }
    let server = Task { try await app.run() }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    try await body(URL(string: "http://127.0.0.1:\(port)")!, board)
  }

  static func get(_ url: URL) async throws -> (Int, Data) {
    let (data, response) = try await URLSession.shared.data(from: url)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
  }

  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func pageInfoAndAStreamedGenerationThatLandsInTheGallery() async throws {
    try await Self.withServer { base, gallery in
      let (pageStatus, page) = try await Self.get(base)
      #expect(pageStatus == 200 && String(decoding: page, as: UTF8.self).contains("EventSource"))

      let (infoStatus, info) = try await Self.get(base.appendingPathComponent("api/info"))
      let fields = try JSONSerialization.jsonObject(with: info) as? [String: Any]
      #expect(infoStatus == 200 && fields?["model"] as? String == "glyffuser-32")
      // snake_case like /api/models: the shipped model's steps and the largest count.
      #expect((fields?["training_steps"] as? Int ?? 0) > 0 && fields?["max_count"] as? Int == 16)

      var components = URLComponents(
        url: base.appendingPathComponent("api/generate"), resolvingAgainstBaseURL: false)!
      components.queryItems = [
        .init(name: "prompt", value: "gold & silver"), .init(name: "count", value: "2"),
        .init(name: "steps", value: "3"), .init(name: "seed", value: "7"),
        .init(name: "sampler", value: "euler"),
      ]
      let (status, body) = try await Self.get(components.url!)
      let text = String(decoding: body, as: UTF8.self)
      #expect(status == 200)
      #expect(text.components(separatedBy: "event: step\n").count - 1 == 3)
      #expect(text.contains("event: done\n") && text.contains("data:image/png;base64,"))
      let entries = gallery.entries()
      #expect(entries.count == 1)
      #expect(
        entries.first?.request
          == GenerationRequest(
            prompt: "gold & silver", count: 2, steps: 3, seed: 7, sampler: .euler))
      let (pngStatus, png) = try await Self.get(
        base.appendingPathComponent("gallery/\(entries[0].id).png"))
      #expect(pngStatus == 200 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }
  }

  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func hostileQueriesAreRefusedWithTheirField() async throws {
    try await Self.withServer { base, gallery in
      let cases: [(String, String)] = [
        ("count=0", "count"), ("count=100000", "count"), ("steps=999999999999", "steps"),
        ("steps=abc", "steps"), ("guidance=nan", "guidance"), ("guidance=1e30", "guidance"),
        ("seed=-1", "seed"), ("sampler=plms", "sampler"), ("", "prompt"), ("size=128", "size"),
        ("prompt=" + String(repeating: "a", count: 1_200), "prompt"),
      ]
      for (query, field) in cases {
        let q = query.hasPrefix("prompt=") || query.isEmpty ? query : "prompt=gold&" + query
        let url = URL(string: base.absoluteString + "/api/generate?" + q)!
        let start = Date()
        let (status, body) = try await Self.get(url)
        #expect(status == 400, "\(query): \(status)")
        #expect(String(decoding: body, as: UTF8.self).contains(field), "\(query)")
        #expect(Date().timeIntervalSince(start) < 1)
      }
      #expect(gallery.entries().isEmpty)
      let (missing, _) = try await Self.get(
        base.appendingPathComponent("gallery/..%2F..%2Fetc.png"))
      #expect(missing == 404)
    }
  }

  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func closingTheStreamStopsTheGeneration() async throws {
    try await Self.withServer { base, gallery in
      // 1,000 steps take minutes: the client leaves after two seconds.
      // (A plain socket: URLSession's cancel does not always close its connection at once.)
      let client = try RawHTTPClient(port: try #require(base.port))
      try client.send(
        "GET /api/generate?prompt=gold&count=4&steps=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
      let head = try client.receive()
      #expect(head.hasPrefix("HTTP/1.1 200"), "\(head.prefix(80))")
      try await Task.sleep(for: .seconds(2))
      client.close()
      // The studio is free again at once: a one-step generation is not queued behind it.
      let start = Date()
      let (status, _) = try await Self.get(
        URL(string: base.absoluteString + "/api/generate?prompt=gold&count=1&steps=1&seed=5")!)
      #expect(status == 200)
      #expect(Date().timeIntervalSince(start) < 30, "the cancelled generation kept running")
      #expect(gallery.entries().map(\.request.steps) == [1], "\(gallery.entries())")
    }
  }

  /// The model and encoder are in memory from the start: a model folder deleted under the
  /// running server changes nothing for it.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func aModelFolderDeletedWhileServingChangesNothing() async throws {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-model-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: try #require(Self.shippedModel), to: copy)
    try await Self.withServer(model: copy) { base, gallery in
      try FileManager.default.removeItem(at: copy)
      let (status, body) = try await Self.get(
        URL(string: base.absoluteString + "/api/generate?prompt=water&count=1&steps=2&seed=1")!)
      #expect(status == 200 && String(decoding: body, as: UTF8.self).contains("event: done"))
      #expect(gallery.entries().count == 1)
    }
  }

  /// `--explain DIR` serves the folder `glyffuser explain all` wrote under /explain/, and
  /// nothing outside it.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func theExplainTabServesItsFolderOnly() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-explain-\(UUID().uuidString)")
    let folder = root.appendingPathComponent("explain")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    try Data("<h1>figures</h1>".utf8).write(to: folder.appendingPathComponent("index.html"))
    try Data("secret".utf8).write(to: root.appendingPathComponent("secret.txt"))
    try await Self.withServer(explain: folder) { base, _ in
      let (status, page) = try await Self.get(URL(string: base.absoluteString + "/explain/")!)
      #expect(status == 200 && String(decoding: page, as: UTF8.self).contains("figures"))
      let (_, info) = try await Self.get(base.appendingPathComponent("api/info"))
      #expect(String(decoding: info, as: UTF8.self).contains("\"explain\":true"))
      for escape in [
        "/explain/../secret.txt", "/explain/%2E%2E/secret.txt", "/explain/..%2Fsecret.txt",
      ] {
        let (code, body) = try await Self.get(URL(string: base.absoluteString + escape)!)
        #expect(
          code != 200 || !String(decoding: body, as: UTF8.self).contains("secret"), "\(escape)")
      }
    }
  }

  /// With one generation running and no room to wait (`queueLimit` 0), another request is a 429
  /// at once; when the first client leaves, the place is free again.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func aFullQueueIsRefusedWith429() async throws {
    try await Self.withServer(queueLimit: 0) { base, gallery in
      let client = try RawHTTPClient(port: try #require(base.port))
      try client.send(
        "GET /api/generate?prompt=gold&count=4&steps=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
      #expect(try client.receive().hasPrefix("HTTP/1.1 200"))
      let small = URL(string: base.absoluteString + "/api/generate?prompt=fire&count=1&steps=1")!
      let start = Date()
      let (busy, body) = try await Self.get(small)
      #expect(busy == 429 && String(decoding: body, as: UTF8.self).contains("waiting"))
      #expect(Date().timeIntervalSince(start) < 1)
      client.close()
      var status = 0
      for _ in 0..<60 where status != 200 {
        try await Task.sleep(for: .milliseconds(500))
        status = try await Self.get(small).0
      }
      #expect(status == 200, "the place was not given back")
      #expect(gallery.entries().map(\.request.prompt) == ["fire"])
    }
  }

  @Test func requestValidationNamesTheField() throws {
    func parse(_ query: [String: String]) throws(RequestError) -> GenerationRequest {
      try GenerationRequest(query: { query[$0] }, randomSeed: { 42 })
    }
    #expect(try parse(["prompt": "fire"]).seed == 42)
    #expect(throws: RequestError.invalid(field: "count", "must be in 1…16, got 17")) {
      try parse(["prompt": "fire", "count": "17"])
    }
    #expect(throws: RequestError.self) { try parse(["prompt": "fire", "steps": "0"]) }
  }
}

/// One TCP connection to the server on loopback, for a client that leaves mid-stream.
final class RawHTTPClient {
  private var fd: Int32

  init(port: Int) throws {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard fd >= 0, status == 0 else { throw POSIXError(.ECONNREFUSED) }
  }

  func send(_ text: String) throws {
    let bytes = Array(text.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
  }

  /// What the server has sent so far (one read, up to 64 KiB).
  func receive() throws -> String {
    var buffer = [UInt8](repeating: 0, count: 65536)
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { throw POSIXError(.EIO) }
    return String(decoding: buffer[0..<n], as: UTF8.self)
  }

  func close() {
    if fd >= 0 { _ = Glibc.close(fd) }
    fd = -1
  }

  deinit { close() }
}
