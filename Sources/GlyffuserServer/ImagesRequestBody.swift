import Diffusion
import Foundation
import TensorFiles

/// The JSON body of `POST /v1/images/generations` and `POST /api/jobs`: OpenAI's image request
/// (`prompt`, `n`, `size`, `response_format`) plus our sampling fields (`steps`, `guidance`,
/// `sampler`, `seed`). Only what this server can honour is accepted: `size` is the model's own
/// ("32x32" for a 32 px model), `response_format` is `b64_json` (there are no image URLs);
/// anything else is a 400 naming the field.
public struct ImagesRequestBody: Decodable, Sendable {
  public var prompt: String
  public var n: Int?
  public var size: String?
  public var responseFormat: String?
  public var steps: Int?
  public var guidance: Float?
  public var sampler: String?
  public var seed: UInt64?

  enum CodingKeys: String, CodingKey {
    case prompt, n, size, steps, guidance, sampler, seed
    case responseFormat = "response_format"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    prompt = try c.decode(String.self, forKey: .prompt)
    n = try c.decodeIfPresent(Int.self, forKey: .n)
    size = try c.decodeIfPresent(String.self, forKey: .size)
    responseFormat = try c.decodeIfPresent(String.self, forKey: .responseFormat)
    steps = try c.decodeIfPresent(Int.self, forKey: .steps)
    guidance = try c.decodeIfPresent(Float.self, forKey: .guidance)
    sampler = try c.decodeIfPresent(String.self, forKey: .sampler)
    // Foundation reports a negative number read as UInt64 as "not valid JSON" with no key:
    // read it as a signed one first, so the error names the field.
    if let signed = try? c.decodeIfPresent(Int64.self, forKey: .seed), signed < 0 {
      throw DecodingError.dataCorruptedError(
        forKey: .seed, in: c, debugDescription: "must be in 0…\(UInt64.max), got \(signed)")
    }
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
  }

  /// Bodies larger than this are refused before they are read whole (HTTP 413).
  public static let maxBytes = 64 * 1024

  /// Decodes `data`; a malformed body is a `RequestError` naming the key path.
  public static func decode(_ data: Data) throws(RequestError) -> ImagesRequestBody {
    do { return try JSONDecoder().decode(ImagesRequestBody.self, from: data) } catch {
      throw .invalid(field: "body", DecodingErrorText.describe(error))
    }
  }

  /// The checked request for a model drawing `imageSize` px glyphs; `randomSeed` when `seed` is
  /// absent. `n` defaults to 1, as OpenAI's does.
  public func request(imageSize: Int, randomSeed: () -> UInt64) throws(RequestError)
    -> GenerationRequest
  {
    if let size, size != "\(imageSize)x\(imageSize)" {
      throw .invalid(
        field: "size", "this model draws \(imageSize)x\(imageSize), not \(size.prefix(40))")
    }
    if let responseFormat, responseFormat != "b64_json" {
      throw .invalid(field: "response_format", "only b64_json, not \(responseFormat.prefix(40))")
    }
    var request = GenerationRequest(prompt: prompt, count: n ?? 1, seed: seed ?? randomSeed())
    if let steps { request.steps = steps }
    if let guidance { request.guidance = guidance }
    if let sampler { request.sampler = try GenerationRequest.sampler(sampler) }
    try request.validate()
    return request
  }
}
