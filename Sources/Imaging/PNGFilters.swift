/// PNG scanline filters (PNG spec, section 9 "Filtering"; filter method 0).
///
/// For byte x of a row, with a = the byte `bpp` to the left, b = the byte above, c = above-left
/// (all 0 outside the image): None: x; Sub: x − a; Up: x − b; Average: x − ⌊(a + b) / 2⌋;
/// Paeth: x − paeth(a, b, c), all modulo 256.
public enum PNGFilter: UInt8, Sendable, CaseIterable {
  case none = 0
  case sub = 1
  case up = 2
  case average = 3
  case paeth = 4
}

/// How the encoder chooses a filter for each row.
public enum PNGFilterStrategy: Sendable, Equatable {
  /// The same filter on every row.
  case fixed(PNGFilter)
  /// Per row, the filter with the smallest sum of |signed residuals|
  /// (libpng's default heuristic, PNG spec section 12.8).
  case adaptive
}

/// The Paeth predictor: whichever of a, b, c is closest to a + b − c (ties: a, then b).
@inline(__always)
func paethPredictor(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
  let p = Int(a) + Int(b) - Int(c)
  let pa = abs(p - Int(a))
  let pb = abs(p - Int(b))
  let pc = abs(p - Int(c))
  if pa <= pb && pa <= pc { return a }
  if pb <= pc { return b }
  return c
}

/// Writes the filtered form of `row` into `out` (same length). `previous` is the row above
/// (all zero for the first row).
func filterRow(
  _ filter: PNGFilter, row: UnsafeBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>,
  bpp: Int, into out: UnsafeMutableBufferPointer<UInt8>
) {
  let n = row.count
  switch filter {
  case .none:
    for i in 0..<n { out[i] = row[i] }
  case .sub:
    for i in 0..<n { out[i] = row[i] &- (i >= bpp ? row[i - bpp] : 0) }
  case .up:
    for i in 0..<n { out[i] = row[i] &- previous[i] }
  case .average:
    for i in 0..<n {
      let a = i >= bpp ? Int(row[i - bpp]) : 0
      out[i] = row[i] &- UInt8((a + Int(previous[i])) >> 1)
    }
  case .paeth:
    for i in 0..<n {
      let a = i >= bpp ? row[i - bpp] : 0
      let c = i >= bpp ? previous[i - bpp] : 0
      out[i] = row[i] &- paethPredictor(a, previous[i], c)
    }
  }
}

/// Reverses `filterRow` in place: `row` holds filtered bytes on entry, pixels on exit.
func unfilterRow(
  _ filter: PNGFilter, row: UnsafeMutableBufferPointer<UInt8>,
  previous: UnsafeBufferPointer<UInt8>, bpp: Int
) {
  let n = row.count
  switch filter {
  case .none:
    break
  case .sub:
    if n > bpp { for i in bpp..<n { row[i] = row[i] &+ row[i - bpp] } }
  case .up:
    for i in 0..<n { row[i] = row[i] &+ previous[i] }
  case .average:
    for i in 0..<n {
      let a = i >= bpp ? Int(row[i - bpp]) : 0
      row[i] = row[i] &+ UInt8((a + Int(previous[i])) >> 1)
    }
  case .paeth:
    for i in 0..<n {
      let a = i >= bpp ? row[i - bpp] : 0
      let c = i >= bpp ? previous[i - bpp] : 0
      row[i] = row[i] &+ paethPredictor(a, previous[i], c)
    }
  }
}

/// libpng's heuristic cost of a filtered row: Σ min(v, 256 − v) (bytes read as signed).
func filteredRowCost(_ bytes: UnsafeMutableBufferPointer<UInt8>) -> Int {
  var sum = 0
  for v in bytes { sum += v < 128 ? Int(v) : 256 - Int(v) }
  return sum
}
