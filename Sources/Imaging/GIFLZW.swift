/// GIF's variant of LZW (GIF89a spec, appendix F) for 8-bit indices: minimum code size 8, so
/// code 256 = clear, 257 = end of information, first free code 258; codes are packed LSB-first,
/// the width grows from 9 to 12 bits as the table fills. Like giflib, the encoder emits a clear
/// code when the next free code would be 4095 rather than using the last slot, which every
/// decoder accepts.
///
/// Width rule (matches the decoder's deferred table insert): after emitting a code the encoder
/// advances `next`; when `next` exceeds 2^width (and width < 12) the width grows by one.
struct LZWEncoder {
  private static let clearCode = 256
  private static let endCode = 257
  private static let maxCode = 4095

  /// Child table: `table[prefix << 8 | byte]` = code of the string prefix+byte, 0 when absent
  /// (0 is never a valid multi-byte code, those start at 258).
  private var table: [UInt16]
  /// Keys set since the last clear, so a clear costs O(entries) not O(table).
  private var usedKeys: [Int32] = []
  private var output: [UInt8] = []
  private var bitBuffer: UInt64 = 0
  private var bitCount = 0

  init(pixelCount: Int) {
    table = [UInt16](repeating: 0, count: 4096 * 256)
    usedKeys.reserveCapacity(4096)
    output.reserveCapacity(pixelCount / 2 + 16)
  }

  /// LZW-compresses one frame's indices into the packed byte stream (before sub-blocking).
  mutating func encode(_ indices: [UInt8]) -> [UInt8] {
    output.removeAll(keepingCapacity: true)
    bitBuffer = 0
    bitCount = 0
    resetTable()
    var width = 9
    var next = 258
    write(Self.clearCode, width: width)
    guard !indices.isEmpty else {
      write(Self.endCode, width: width)
      flush()
      return output
    }
    // Move the table out of `self` so the loop can call `write` without overlapping access.
    var localTable: [UInt16] = []
    swap(&localTable, &table)
    defer { swap(&localTable, &table) }
    indices.withUnsafeBufferPointer { src in
      localTable.withUnsafeMutableBufferPointer { tab in
        var prefix = Int(src[0])
        for i in 1..<src.count {
          let byte = Int(src[i])
          let key = prefix << 8 | byte
          let child = Int(tab[key])
          if child != 0 {
            prefix = child
            continue
          }
          write(prefix, width: width)
          if next >= Self.maxCode {
            write(Self.clearCode, width: width)
            for k in usedKeys { tab[Int(k)] = 0 }
            usedKeys.removeAll(keepingCapacity: true)
            width = 9
            next = 258
          } else {
            tab[key] = UInt16(next)
            usedKeys.append(Int32(key))
            next += 1
            if next > (1 << width) && width < 12 { width += 1 }
          }
          prefix = byte
        }
        // The last string: the decoder still performs its deferred insert after reading it,
        // so advance `next` (and possibly the width) exactly as after any other code.
        write(prefix, width: width)
        if next >= Self.maxCode {
          write(Self.clearCode, width: width)
          width = 9
        } else {
          next += 1
          if next > (1 << width) && width < 12 { width += 1 }
        }
        write(Self.endCode, width: width)
      }
    }
    flush()
    return output
  }

  private mutating func resetTable() {
    table.withUnsafeMutableBufferPointer { tab in
      for k in usedKeys { tab[Int(k)] = 0 }
    }
    usedKeys.removeAll(keepingCapacity: true)
  }

  @inline(__always)
  private mutating func write(_ code: Int, width: Int) {
    bitBuffer |= UInt64(code) << UInt64(bitCount)
    bitCount += width
    while bitCount >= 8 {
      output.append(UInt8(truncatingIfNeeded: bitBuffer))
      bitBuffer >>= 8
      bitCount -= 8
    }
  }

  private mutating func flush() {
    if bitCount > 0 { output.append(UInt8(truncatingIfNeeded: bitBuffer)) }
    bitBuffer = 0
    bitCount = 0
  }
}
