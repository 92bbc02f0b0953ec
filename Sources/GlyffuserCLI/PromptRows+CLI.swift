import ArgumentParser
import Explain
import Foundation
import Imaging
import JobControl

extension PromptRows {
  /// Rows drawn the way the CLI shows them: a warning for each prompt the encoder cuts, and a
  /// progress line per prompt on stderr.
  func drawShowingProgress(
    _ prompts: [String], recorder: DenoisingFrames? = nil, stageRecorder: DenoisingFrames? = nil
  ) throws -> [[RasterImage]] {
    for prompt in prompts where generator.truncates(prompt) {
      warn("prompt \"\(prompt)\" was cut to \(generator.encoder.maxLength) tokens")
    }
    var drawing = self
    drawing.progress = { p in
      let finished = p.done >= p.total
      FileHandle.standardError.write(
        Data("\r\(p.detail): \(p.done)/\(p.total)\(finished ? "\n" : "")".utf8))
    }
    return try drawing.draw(prompts, recorder: recorder, stageRecorder: stageRecorder)
  }
}

func warn(_ s: String) { FileHandle.standardError.write(Data("warning: \(s)\n".utf8)) }
