import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

@testable import GlyffuserServer
@testable import Imaging

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The job API, the OpenAI-shaped endpoint, JSON errors with their statuses, and a graceful
/// shutdown with a job running (docs/API.md).
extension GlyphServerTests {
  static func send(_ method: String, _ url: URL, json: String? = nil) async throws -> (Int, Data) {
    var request = URLRequest(url: url)
    request.httpMethod = method
    if let json {
      request.httpBody = Data(json.utf8)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
  }

  static func object(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// Polls a job until `done(state)` holds (at most `seconds`); returns its last status.
  static func waitForJob(
    _ base: URL, _ id: String, seconds: Double = 60, until done: (String) -> Bool
  ) async throws -> [String: Any] {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      let (_, data) = try await get(base.appendingPathComponent("api/jobs/\(id)"))
      let status = try object(data)
      if done(status["state"] as? String ?? "") || Date() > deadline { return status }
      try await Task.sleep(for: .milliseconds(100))
    }
  }

  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func aJobRunsReportsItsProgressAndCanBeCancelled() async throws {
    try await Self.withServer { base, gallery in
      // A long job: queued or running at once, with a step count and, once running, an ETA.
      let (created, body) = try await Self.send(
        "POST", base.appendingPathComponent("api/jobs"),
        json: #"{"prompt": "water", "n": 4, "steps": 1000, "seed": 3}"#)
      #expect(created == 202)
      let id = try #require(try Self.object(body)["id"] as? String)
      let started = try await Self.waitForJob(base, id, seconds: 30) { $0 == "running" }
      #expect(started["steps"] as? Int == 1000)
      // Its event stream first repeats the latest step, so a late listener sees a preview.
      let client = try RawHTTPClient(port: try #require(base.port))
      try client.send("GET /api/jobs/\(id)/events HTTP/1.1\r\nHost: x\r\n\r\n")
      var seen = ""
      let until = Date().addingTimeInterval(30)
      while !seen.contains("event: step"), Date() < until { seen += try client.receive() }
      #expect(seen.hasPrefix("HTTP/1.1 200") && seen.contains("event: step"))
      client.close()
      // Leaving the events stream does not cancel the job; DELETE does.
      let progressing = try await Self.waitForJob(base, id) { _ in true }
      #expect(progressing["state"] as? String == "running")
      #expect(progressing["eta_seconds"] is Double)
      let (deleted, _) = try await Self.send(
        "DELETE", base.appendingPathComponent("api/jobs/\(id)"))
      #expect(deleted == 200)
      let ended = try await Self.waitForJob(base, id, seconds: 30) { $0 != "running" }
      #expect(ended["state"] as? String == "cancelled")

      // A short job runs to the end: its glyphs come back as PNGs, it lands in the gallery.
      let (_, shortBody) = try await Self.send(
        "POST", base.appendingPathComponent("api/jobs"),
        json: #"{"prompt": "fire", "n": 2, "steps": 2, "seed": 9, "sampler": "ddim"}"#)
      let short = try #require(try Self.object(shortBody)["id"] as? String)
      let done = try await Self.waitForJob(base, short) { $0 == "done" || $0 == "failed" }
      #expect(done["state"] as? String == "done" && done["step"] as? Int == 2)
      let images = try #require(done["images"] as? [String])
      #expect(images.count == 2)
      let png = try PNGDecoder.decode(Array(try #require(Data(base64Encoded: images[0]))))
      #expect(png.width == 32 && png.height == 32)
      #expect(gallery.entries().map(\.id) == [done["gallery_id"] as? String])

      let (unknown, notFound) = try await Self.get(base.appendingPathComponent("api/jobs/nope"))
      #expect(unknown == 404)
      #expect((try Self.object(notFound)["error"] as? [String: Any])?["message"] != nil)
    }
  }

  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func theOpenAIShapedEndpointAnswersWithBase64Glyphs() async throws {
    try await Self.withServer { base, _ in
      let url = base.appendingPathComponent("v1/images/generations")
      let (status, body) = try await Self.send(
        "POST", url,
        json:
          #"{"prompt": "gold", "n": 3, "size": "32x32", "response_format": "b64_json", "steps": 2, "seed": 1}"#
      )
      #expect(status == 200)
      let reply = try Self.object(body)
      #expect(reply["created"] is Int)
      let data = try #require(reply["data"] as? [[String: Any]])
      #expect(data.count == 3)
      for item in data {
        let text = try #require(item["b64_json"] as? String)
        let png = try #require(Data(base64Encoded: text))
        #expect(try PNGDecoder.decode(Array(png)).width == 32)
      }
      // The same request (seed and all) draws the same pixels.
      let (_, again) = try await Self.send(
        "POST", url,
        json: #"{"prompt": "gold", "n": 3, "size": "32x32", "steps": 2, "seed": 1}"#)
      let first = data.compactMap { $0["b64_json"] as? String }
      let second = (try Self.object(again)["data"] as? [[String: Any]])?.compactMap {
        $0["b64_json"] as? String
      }
      #expect(first == second)
    }
  }

  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func badBodiesGetJSONErrorsWithTheRightStatus() async throws {
    try await Self.withServer { base, gallery in
      let cases: [(String, Int, String)] = [
        ("{", 400, "body"),
        (#"{"n": 2}"#, 400, "prompt"),
        (#"{"prompt": "gold", "n": "two"}"#, 400, "n: expected"),
        (#"{"prompt": "gold", "n": 17}"#, 400, "count"),
        (#"{"prompt": "gold", "size": "1024x1024"}"#, 400, "size"),
        (#"{"prompt": "gold", "response_format": "url"}"#, 400, "response_format"),
        (#"{"prompt": "gold", "sampler": "plms"}"#, 400, "sampler"),
        (#"{"prompt": "gold", "steps": 0}"#, 400, "steps"),
        (#"{"prompt": "gold", "guidance": 1e30}"#, 400, "guidance"),
        (#"{"prompt": "gold", "seed": -4}"#, 400, "seed"),
        (#"{"prompt": ""# + String(repeating: "a", count: 70_000) + #""}"#, 413, "bytes"),
      ]
      for (json, expected, field) in cases {
        for path in ["v1/images/generations", "api/jobs"] {
          let start = Date()
          let (status, body) = try await Self.send(
            "POST", base.appendingPathComponent(path), json: json)
          #expect(status == expected, "\(path) \(json.prefix(60)): \(status)")
          let message = (try Self.object(body)["error"] as? [String: Any])?["message"] as? String
          #expect(
            message?.contains(field) == true,
            "\(path) \(json.prefix(60)): \(message ?? String(decoding: body.prefix(200), as: UTF8.self))"
          )
          #expect(Date().timeIntervalSince(start) < 1)
        }
      }
      #expect(gallery.entries().isEmpty)
      let (samplers, list) = try await Self.get(base.appendingPathComponent("api/samplers"))
      let names = try JSONSerialization.jsonObject(with: list) as? [String]
      #expect(samplers == 200 && names?.contains("dpmpp-2m") == true)
      let (models, modelList) = try await Self.get(base.appendingPathComponent("api/models"))
      let first = (try JSONSerialization.jsonObject(with: modelList) as? [[String: Any]])?.first
      #expect(models == 200 && first?["size"] as? Int == 32)
    }
  }

  /// A closed board (the server shutting down) answers 503 to every new job, in JSON; a full
  /// queue is a 429 on the job API as on the stream.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func newJobsAre429WhenTheQueueIsFullAnd503WhenShuttingDown() async throws {
    try await Self.withBoard(queueLimit: 0) { base, board in
      let jobs = base.appendingPathComponent("api/jobs")
      let (first, body) = try await Self.send(
        "POST", jobs, json: #"{"prompt": "a", "steps": 1000}"#)
      #expect(first == 202)
      let (busy, busyBody) = try await Self.send("POST", jobs, json: #"{"prompt": "b"}"#)
      #expect(busy == 429)
      #expect((try Self.object(busyBody)["error"] as? [String: Any])?["message"] != nil)
      board.close()
      for path in ["api/jobs", "v1/images/generations"] {
        let (status, reply) = try await Self.send(
          "POST", base.appendingPathComponent(path), json: #"{"prompt": "c"}"#)
        let message = (try Self.object(reply)["error"] as? [String: Any])?["message"] as? String
        // Shutting down wins over the full queue.
        #expect(status == 503 && message?.contains("shutting down") == true, "\(path): \(status)")
      }
      let id = try #require(try Self.object(body)["id"] as? String)
      let ended = try await Self.waitForJob(base, id, seconds: 30) { $0 == "cancelled" }
      #expect(ended["state"] as? String == "cancelled")
      let (after, _) = try await Self.send("POST", jobs, json: #"{"prompt": "d"}"#)
      #expect(after == 503)
    }
  }

  /// SIGTERM's path without the signal: graceful shutdown closes the board first, so the
  /// running job is cancelled at its next step, new jobs are refused, and the server stops.
  @Test(.enabled(if: shippedModel != nil, "the shipped model is not in this checkout"))
  func gracefulShutdownCancelsTheRunningJobAndStops() async throws {
    let studio = try GlyphStudio(model: try #require(Self.shippedModel))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "glyffuser-serve-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let board = JobBoard(studio: studio, gallery: try Gallery(folder: folder))
    let (ports, portSink) = AsyncStream<Int>.makeStream()
    let app = GlyphServer.application(board: board, options: .init(port: 0)) {
      portSink.yield($0)
    }
    let group = ServiceGroup(
      configuration: .init(
        services: [app, JobBoard.ShutdownService(board: board)], logger: Logger(label: "test")))
    let server = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    let base = URL(string: "http://127.0.0.1:\(try #require(await iterator.next()))")!
    let (_, body) = try await Self.send(
      "POST", base.appendingPathComponent("api/jobs"),
      json: #"{"prompt": "rain", "n": 4, "steps": 1000}"#)
    let id = try #require(try Self.object(body)["id"] as? String)
    _ = try await Self.waitForJob(base, id, seconds: 30) { $0 == "running" }

    let start = Date()
    await group.triggerGracefulShutdown()
    try await server.value
    // The job stops at its next step (a step of 4 glyphs takes well under a second).
    while board.status(id)?.state == .running, Date().timeIntervalSince(start) < 20 {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(Date().timeIntervalSince(start) < 20, "the job kept running")
    #expect(board.status(id)?.state == .cancelled)
    #expect(throws: JobBoard.Closed.self) { try board.submit(GenerationRequest(prompt: "x")) }
    #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).isEmpty)
  }
}
