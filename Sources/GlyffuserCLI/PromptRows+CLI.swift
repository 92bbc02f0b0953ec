import ArgumentParser
import Explain
import Foundation
import Imaging
import JobControl

extension PromptRows {
  /// Rows drawn the way the CLI shows them: a warning for each prompt the encoder cuts, and a
  /// progress line per prompt on stderr.
  func drawShowingProgress(_ prompts: [String], recorder: DenoisingFrames? = nil) throws
    -> [[RasterImage]]
  {
    for prompt in prompts where generator.truncates(prompt) {
      warn("prompt \"\(prompt)\" was cut to \(generator.encoder.maxLength) tokens")
    }
    var drawing = self
    drawing.progress = { p in
      let finished = p.done >= p.total
      FileHandle.standardError.write(
        Data("\r\(p.detail): \(p.done)/\(p.total)\(finished ? "\n" : "")".utf8))
    }
    return try drawing.draw(prompts, recorder: recorder)
  }
}

/// The sampling options `generate` and `compare` share, checked at the edge: every loop over
/// them is bounded before any work starts.
func validateSampling(count: Int, countLimit: Int, batch: Int, steps: Int, guidance: Float) throws {
  guard (1...countLimit).contains(count), (1...1024).contains(batch) else {
    throw ValidationError("--count must be in 1…\(countLimit) and --batch in 1…1024")
  }
  guard (1...1000).contains(steps) else { throw ValidationError("--steps must be in 1…1000") }
  guard guidance >= 0, guidance.isFinite else { throw ValidationError("--guidance must be ≥ 0") }
}

func warn(_ s: String) { FileHandle.standardError.write(Data("warning: \(s)\n".utf8)) }
