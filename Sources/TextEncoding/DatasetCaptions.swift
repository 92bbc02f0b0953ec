import Foundation

/// Captions of a Hugging Face imagefolder data set: the `caption` field of each line of
/// `metadata.jsonl`, in file order (the data set's index order).
public enum DatasetCaptions {
  public static let metadataFileName = "metadata.jsonl"

  public static func read(dataset directory: URL) throws -> [String] {
    try read(metadataJSONL: directory.appendingPathComponent(metadataFileName))
  }

  public static func read(metadataJSONL url: URL) throws -> [String] {
    let data = try readData(
      url, hint: "Build a data set first: glyffuser dataset build --out DIR.")
    var captions: [String] = []
    var line = 0
    var start = data.startIndex
    while start < data.endIndex {
      let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
      line += 1
      let bytes = data[start..<end]
      start = end < data.endIndex ? end + 1 : end
      if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
      let object = try JSONObject(data: Data(bytes), path: url.path, line: line)
      captions.append(try object.string("caption"))
    }
    return captions
  }
}
