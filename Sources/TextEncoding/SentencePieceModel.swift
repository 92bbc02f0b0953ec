import Foundation

/// The parts of SentencePiece's `ModelProto` (sentencepiece_model.proto) a unigram tokenizer
/// needs: the pieces with scores and types, the special ids, and the normaliser spec.
public struct SentencePieceModel: Sendable {
  public enum PieceType: Int, Sendable {
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6
  }

  public struct Piece: Sendable, Equatable {
    public var text: String
    public var score: Float
    public var type: PieceType
  }

  public var pieces: [Piece] = []
  /// TrainerSpec.model_type: 1 unigram, 2 BPE, 3 word, 4 char.
  public var modelType = 1
  public var unkID = 0
  public var bosID = 1
  public var eosID = 2
  public var padID = -1
  public var byteFallback = false
  /// NormalizerSpec.
  public var normalizerName = ""
  public var precompiledCharsmap: [UInt8] = []
  public var addDummyPrefix = true
  public var removeExtraWhitespaces = true
  public var escapeWhitespaces = true

  /// Parses `spiece.model`.
  public init(contentsOf url: URL) throws {
    let data = try readData(url, hint: "A T5 model folder needs spiece.model.")
    try self.init(bytes: [UInt8](data), path: url.path)
  }

  public init(bytes: [UInt8], path: String = "spiece.model") throws {
    var reader = ProtobufReader(bytes[...], path: path)
    while let (field, value) = try reader.next() {
      switch (field, value) {
      case (1, .bytes(let b)): pieces.append(try Self.piece(b, path: path, index: pieces.count))
      case (2, .bytes(let b)): try trainerSpec(b, path: path)
      case (3, .bytes(let b)): try normalizerSpec(b, path: path)
      default: continue
      }
    }
    guard !pieces.isEmpty else {
      throw TextEncodingError.badProtobuf(path: path, offset: 0, reason: "no pieces")
    }
    for (name, id) in [("unk_id", unkID), ("eos_id", eosID)] where id >= pieces.count {
      throw TextEncodingError.badField(
        path: path, line: 0, field: "trainer_spec.\(name)", reason: "\(id) ≥ \(pieces.count) pieces"
      )
    }
  }

  private static func piece(_ b: ArraySlice<UInt8>, path: String, index: Int) throws -> Piece {
    var r = ProtobufReader(b, path: path)
    var piece = Piece(text: "", score: 0, type: .normal)
    while let (field, value) = try r.next() {
      switch (field, value) {
      case (1, .bytes(let s)):
        guard let text = String(bytes: s, encoding: .utf8) else {
          throw TextEncodingError.badProtobuf(
            path: path, offset: s.startIndex, reason: "piece \(index) is not UTF-8")
        }
        piece.text = text
      case (2, .fixed32(let bits)): piece.score = Float(bitPattern: bits)
      case (3, .varint(let t)):
        guard let type = PieceType(rawValue: Int(t)) else {
          throw TextEncodingError.badProtobuf(
            path: path, offset: r.position, reason: "piece \(index) has unknown type \(t)")
        }
        piece.type = type
      default: continue
      }
    }
    return piece
  }

  private mutating func trainerSpec(_ b: ArraySlice<UInt8>, path: String) throws {
    var r = ProtobufReader(b, path: path)
    while let (field, value) = try r.next() {
      guard case .varint(let v) = value else { continue }
      let signed = Int(Int32(truncatingIfNeeded: Int64(bitPattern: v)))
      switch field {
      case 3: modelType = signed
      case 35: byteFallback = v != 0
      case 40: unkID = signed
      case 41: bosID = signed
      case 42: eosID = signed
      case 43: padID = signed
      default: continue
      }
    }
  }

  private mutating func normalizerSpec(_ b: ArraySlice<UInt8>, path: String) throws {
    var r = ProtobufReader(b, path: path)
    while let (field, value) = try r.next() {
      switch (field, value) {
      case (1, .bytes(let s)): normalizerName = String(decoding: s, as: UTF8.self)
      case (2, .bytes(let s)): precompiledCharsmap = Array(s)
      case (3, .varint(let v)): addDummyPrefix = v != 0
      case (4, .varint(let v)): removeExtraWhitespaces = v != 0
      case (5, .varint(let v)): escapeWhitespaces = v != 0
      default: continue
      }
    }
  }
}
