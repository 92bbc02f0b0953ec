import Foundation
import Imaging
import TensorFiles

/// Earlier results, one PNG grid and one JSON of its exact settings per result, in a folder that
/// survives restarts. Files are written atomically (`AtomicFile`), the PNG before the JSON: a
/// result is listed only once both are complete, so a server stopped mid-write leaves no half
/// entry.
public final class Gallery: @unchecked Sendable {
  public struct Entry: Codable, Sendable, Equatable {
    public var id: String
    public var request: GenerationRequest
    public var seconds: Double
    public var created: String
  }

  public let folder: URL
  private let lock = NSLock()

  public init(folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    self.folder = folder
  }

  /// The default folder: `$XDG_DATA_HOME/glyffuser/gallery`, else `~/.local/share/glyffuser/gallery`.
  public static var defaultFolder: URL {
    let env = ProcessInfo.processInfo.environment
    let base =
      env["XDG_DATA_HOME"].map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
    return base.appendingPathComponent("glyffuser/gallery")
  }

  /// Saves a result; returns its entry.
  public func add(_ image: RasterImage, request: GenerationRequest, seconds: Double) throws -> Entry
  {
    let stamp = ISO8601DateFormatter().string(from: Date())
    let id = "\(Int(Date().timeIntervalSince1970 * 1000))-\(request.seed)"
    let entry = Entry(id: id, request: request, seconds: seconds, created: stamp)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try lock.withLock {
      try AtomicFile.write(
        try PNGEncoder.encode(image), to: folder.appendingPathComponent("\(id).png"))
      try AtomicFile.write(
        try encoder.encode(entry), to: folder.appendingPathComponent("\(id).json"))
    }
    return entry
  }

  /// Every complete entry, newest first; unreadable JSON files are skipped.
  public func entries() -> [Entry] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    let decoder = JSONDecoder()
    return names.filter { $0.hasSuffix(".json") }.compactMap { name -> Entry? in
      guard let data = try? Data(contentsOf: folder.appendingPathComponent(name)),
        let entry = try? decoder.decode(Entry.self, from: data),
        FileManager.default.fileExists(
          atPath: folder.appendingPathComponent("\(entry.id).png").path)
      else { return nil }
      return entry
    }.sorted { $0.id > $1.id }
  }

  /// The PNG of entry `id`, or nil (ids are checked: digits and one dash only, no paths).
  public func png(id: String) -> Data? {
    guard !id.isEmpty, id.count < 64, id.allSatisfy({ $0.isNumber || $0 == "-" }) else {
      return nil
    }
    return try? Data(contentsOf: folder.appendingPathComponent("\(id).png"))
  }
}
