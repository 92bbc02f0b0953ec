import Foundation

/// Tests/GlyphDataTests/Fixtures (written by scripts/reference/make_unihan_fixtures.py from
/// real lines of Debian unicode-data 15.0.0).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

let samplePath = fixture("Unihan_Readings_sample.txt")

/// Whether Debian's fonts-noto-cjk is installed (glyph tests need it).
let notoInstalled = FileManager.default.fileExists(
  atPath: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

/// Whether Debian's unicode-data (the full Unihan file) is installed.
let unihanInstalled = FileManager.default.fileExists(
  atPath: "/usr/share/unicode/Unihan_Readings.txt.bz2")

/// A fresh empty directory under the system temporary directory.
func makeScratchDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("glyffuser-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Ink statistics of a greyscale image: bounding box of pixels darker than white, its centre.
struct InkBox {
  var minX = Int.max
  var maxX = Int.min
  var minY = Int.max
  var maxY = Int.min

  init(pixels: [UInt8], size: Int) {
    for y in 0..<size {
      for x in 0..<size where pixels[y * size + x] < 255 {
        minX = min(minX, x)
        maxX = max(maxX, x)
        minY = min(minY, y)
        maxY = max(maxY, y)
      }
    }
  }

  var isEmpty: Bool { maxX < minX }
  /// Centre in pixel coordinates (pixel i spans [i, i+1)).
  var centreX: Double { Double(minX + maxX + 1) / 2 }
  var centreY: Double { Double(minY + maxY + 1) / 2 }
}
