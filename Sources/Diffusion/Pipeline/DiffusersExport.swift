import Foundation
import TensorFiles
import TextEncoding

/// A model folder as a diffusers pipeline folder (`glyffuser export-diffusers`), so that a model
/// trained here can be loaded and served by the Python ecosystem, e.g. on a GPU machine:
///
///     model_index.json     the components and their classes, as `DiffusionPipeline` reads them
///     unet/                config.json + diffusion_pytorch_model.safetensors (as trained)
///     scheduler/           scheduler_config.json (the training scheduler's config)
///     text_encoder/        the text encoder's weights and config (a BERT or T5 encoder)
///     tokenizer/           its tokenizer files
///     glyffuser.json       the model record: encoder identity, text width, tokens per prompt
///
/// The text encoder is copied from the folder `glyffuser` resolves for the model's encoder; when
/// it is not installed the folders are left out and `model_index.json` names the encoder only
/// (pass `text_encoder=` and `tokenizer=` to `from_pretrained` then). `scale-out/
/// glyffuser_pipeline.py` (`GlyffuserPipeline`, whose `_class_name` the index names, with
/// `max_tokens` in its config) loads the folder and turns prompts into conditioning as the Swift
/// pipeline does: the encoder's last hidden states of the real tokens, zero-padded to
/// `max_tokens` with a key-padding mask; guidance against the empty prompt's encoding.
public enum DiffusersExport {
  /// Files of a Hugging Face tokenizer that are copied when present.
  static let tokenizerFiles = [
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
    "spiece.model",
  ]

  /// Writes the pipeline folder for `model` into `out` (which must not exist); returns whether
  /// the text encoder was included.
  @discardableResult
  public static func export(model: URL, to out: URL, encoder name: String? = nil) throws -> Bool {
    let loaded = try ModelFolder.load(from: model)
    let fm = FileManager.default
    guard !fm.fileExists(atPath: out.path) else {
      throw DiffusersExportError.outputExists(out.path)
    }
    // Written next to the target and renamed into place: a failed export leaves nothing.
    let temp = out.deletingLastPathComponent().appendingPathComponent(
      ".\(out.lastPathComponent).tmp-\(UUID().uuidString)")
    try fm.createDirectory(at: temp, withIntermediateDirectories: true)
    do {
      let unet = temp.appendingPathComponent("unet")
      try fm.createDirectory(at: unet, withIntermediateDirectories: true)
      for file in ["config.json", "diffusion_pytorch_model.safetensors"] {
        try fm.copyItem(
          at: model.appendingPathComponent(file), to: unet.appendingPathComponent(file))
      }
      let scheduler = temp.appendingPathComponent("scheduler")
      try fm.createDirectory(at: scheduler, withIntermediateDirectories: true)
      try fm.copyItem(
        at: model.appendingPathComponent(ModelFolder.schedulerFile),
        to: scheduler.appendingPathComponent("scheduler_config.json"))
      try fm.copyItem(
        at: model.appendingPathComponent(ModelFolder.recordFile),
        to: temp.appendingPathComponent(ModelFolder.recordFile))

      let encoderFolder = try? EncoderCatalog.resolve(name ?? loaded.record.textEncoder)
      let isT5 = encoderFolder.map {
        fm.fileExists(atPath: $0.appendingPathComponent("spiece.model").path)
      }
      if let encoderFolder {
        let textEncoder = temp.appendingPathComponent("text_encoder")
        let tokenizer = temp.appendingPathComponent("tokenizer")
        try fm.createDirectory(at: textEncoder, withIntermediateDirectories: true)
        try fm.createDirectory(at: tokenizer, withIntermediateDirectories: true)
        for file in ["config.json", "model.safetensors"] {
          try fm.copyItem(
            at: encoderFolder.appendingPathComponent(file),
            to: textEncoder.appendingPathComponent(file))
        }
        for file in tokenizerFiles
        where fm.fileExists(atPath: encoderFolder.appendingPathComponent(file).path) {
          try fm.copyItem(
            at: encoderFolder.appendingPathComponent(file),
            to: tokenizer.appendingPathComponent(file))
        }
      }
      var index: [String: Any] = [
        "_class_name": "GlyffuserPipeline",
        "_diffusers_version": "0.42.1",
        "unet": ["diffusers", "UNet2DConditionModel"],
        "scheduler": ["diffusers", loaded.scheduler.className ?? "DDPMScheduler"],
        "max_tokens": loaded.record.maxTokens,
        "glyffuser_text_encoder": loaded.record.textEncoder,
        "glyffuser_text_encoder_identity": loaded.record.textEncoderIdentity,
      ]
      if let isT5 {
        index["text_encoder"] = ["transformers", isT5 ? "T5EncoderModel" : "BertModel"]
        index["tokenizer"] = ["transformers", isT5 ? "T5TokenizerFast" : "BertTokenizerFast"]
      }
      try AtomicFile.write(
        try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys]),
        to: temp.appendingPathComponent("model_index.json"))
      try fm.moveItem(at: temp, to: out)
      return encoderFolder != nil
    } catch {
      try? fm.removeItem(at: temp)
      throw error
    }
  }
}

public enum DiffusersExportError: Error, CustomStringConvertible {
  case outputExists(String)
  public var description: String {
    switch self {
    case .outputExists(let path): "\(path) already exists: give a new folder"
    }
  }
}
