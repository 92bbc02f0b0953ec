import Foundation
import FuzzSupport
import GlyffuserServer
import HummingbirdCore

/// libFuzzer: any bytes as the query string of `GET /api/generate?…` (split and percent-decoded
/// by Hummingbird's `URI` as the server does, then checked by `GenerationRequest`) and as the
/// JSON body of `POST /v1/images/generations` and `/api/jobs` (`ImagesRequestBody`): a hostile
/// request is a typed error (HTTP 400), never a crash or a request past the limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let parameters = URI("/api/generate?" + String(decoding: bytes, as: UTF8.self)).queryParameters
  if let request = try? GenerationRequest(query: { parameters.get($0) }, randomSeed: { 7 }) {
    checkLimits(request)
  }
  if let body = try? ImagesRequestBody.decode(Data(bytes)),
    let request = try? body.request(imageSize: 32, randomSeed: { 7 })
  {
    checkLimits(request)
  }
  return 0
}

/// Whatever is accepted is inside the limits every generation relies on.
func checkLimits(_ request: GenerationRequest) {
  precondition((1...GenerationRequest.maxCount).contains(request.count))
  precondition((1...1000).contains(request.steps))
  precondition(request.guidance.isFinite && (0...30).contains(request.guidance))
  precondition(request.prompt.count <= GenerationRequest.maxPromptCharacters)
}

@_cdecl("FuzzRequests_main")
public func moduleMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
