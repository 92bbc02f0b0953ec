import Diffusion
import Foundation
import GlyphData
import NN
import Tensors
import TextEncoding

/// A judge on disk: `judge.json` (`JudgeConfig`) and `judge.safetensors` (fp16 weights, conv
/// weights OHWI as the engine holds them: the judge is our own model, not a PyTorch one), plus
/// a `README.md` card written by `judge train`.
public enum JudgeFolder {
  public static let weightsFile = "judge.safetensors"
  /// The judge shipped with the project, relative to the repository root.
  public static let shippedPath = ShippedModels.judge

  /// Writes config and weights atomically (weights rounded to fp16, the form that ships; the
  /// metrics a card reports are measured on the reloaded folder, so they are the shipped
  /// judge's).
  public static func save(_ judge: GlyphJudge, to directory: URL, metadata: [String: String] = [:])
    throws
  {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let entries = judge.namedParameters().map { name, p in
      SafeTensorsEntry.f16(name, shape: p.shape, p.value.detached().scalars)
    }
    try SafeTensors.write(
      entries, metadata: metadata.merging(["format": JudgeConfig.formatName]) { $1 },
      to: directory.appendingPathComponent(weightsFile))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(
      try encoder.encode(judge.config) + Data("\n".utf8),
      to: directory.appendingPathComponent(JudgeConfig.fileName))
  }

  /// Loads a judge folder, checking the config before building anything and every tensor's
  /// name and shape before assigning it.
  public static func load(from directory: URL) throws -> GlyphJudge {
    let configURL = directory.appendingPathComponent(JudgeConfig.fileName)
    let hint =
      "pass --judge DIR with a folder written by `glyffuser judge train` (the shipped one is "
      + "\(shippedPath))"
    guard let data = FileManager.default.contents(atPath: configURL.path) else {
      throw EvaluationError.missingFile(path: configURL.path, hint: hint)
    }
    let config: JudgeConfig
    do {
      config = try JSONDecoder().decode(JudgeConfig.self, from: data)
    } catch {
      throw EvaluationError.badConfig(
        file: configURL.path, key: "(document)", reason: DecodingErrorText.describe(error))
    }
    try config.validate(file: configURL.path)
    var rng = RandomStream(seed: 0, name: "judge-init")
    let judge = GlyphJudge(config, stream: &rng)
    let url = directory.appendingPathComponent(weightsFile)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw EvaluationError.missingFile(path: url.path, hint: hint)
    }
    do {
      let file = try SafeTensorsFile(contentsOf: url)
      let named = judge.namedParameters()
      let expected = Set(named.map(\.0))
      if let extra = file.names.first(where: { !expected.contains($0) }) {
        throw EvaluationError.corruptWeights(file: url.path, reason: "unexpected tensor \(extra)")
      }
      for (name, p) in named {
        guard file.names.contains(name) else {
          throw EvaluationError.corruptWeights(file: url.path, reason: "tensor \(name) is missing")
        }
        let t = try Tensor(safeTensors: file, name: name)
        guard t.shape == p.shape else {
          throw EvaluationError.corruptWeights(
            file: url.path, reason: "tensor \(name) has shape \(t.shape), expected \(p.shape)")
        }
        guard t.scalars.allSatisfy(\.isFinite) else {
          throw EvaluationError.corruptWeights(
            file: url.path, reason: "tensor \(name) is not finite")
        }
        p.assign(t)
      }
    } catch let error as EvaluationError {
      throw error
    } catch {
      throw EvaluationError.corruptWeights(file: url.path, reason: "\(error)")
    }
    return judge
  }

  /// SHA-256 of the weights file (reported with every evaluation).
  public static func weightsDigest(_ directory: URL) -> String? {
    try? SHA256.hexDigest(ofFile: directory.appendingPathComponent(weightsFile))
  }
}
