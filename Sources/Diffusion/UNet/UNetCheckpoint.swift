import Foundation
import NN
import Tensors

/// A model folder in diffusers layout: `config.json` + `diffusion_pytorch_model.safetensors`.
/// Conv weights are OIHW on disk (PyTorch) and OHWI in memory (NHWC kernels): transposed here.
public enum UNetCheckpoint {
  public static let weightsFile = "diffusion_pytorch_model.safetensors"
  public static let configFile = "config.json"

  public enum LoadError: Error, CustomStringConvertible {
    case missingTensor(key: String, file: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int], file: String)
    case unexpectedTensors(keys: [String], file: String)
    case tooLarge(bytes: Int, available: Int, file: String)
    case notRepresentable(key: String, dtype: SafeTensorsDType, value: Float, file: String)

    public var description: String {
      switch self {
      case .missingTensor(let key, let file): "\(file): tensor \(key) is missing"
      case .shapeMismatch(let key, let e, let f, let file):
        "\(file): tensor \(key) has shape \(f), the model expects \(e)"
      case .unexpectedTensors(let keys, let file):
        "\(file): tensors the model does not have: \(keys.prefix(5).joined(separator: ", "))"
          + (keys.count > 5 ? " (+\(keys.count - 5) more)" : "")
      case .tooLarge(let bytes, let available, let file):
        "\(file): the model needs about \(bytes >> 20) MiB, this machine has "
          + "\(available >> 20) MiB available"
      case .notRepresentable(let key, let dtype, let value, let file):
        "\(file): tensor \(key) holds \(value), which \(dtype.rawValue) cannot store "
          + "(save it as F32)"
      }
    }
  }

  /// OHWI → OIHW for 4-D tensors (conv weights); others unchanged.
  static func toFile(_ t: Tensor) -> Tensor {
    t.rank == 4 ? t.permuted([0, 3, 1, 2]).contiguous() : t
  }

  /// OIHW → OHWI.
  static func fromFile(_ t: Tensor) -> Tensor {
    t.rank == 4 ? t.permuted([0, 2, 3, 1]).contiguous() : t
  }

  /// Writes the model's weights (or `override` values for the same keys, e.g. EMA weights) and
  /// config into `directory`, each file atomically.
  ///
  /// `storage` is the element type on disk: F32 (training's exact weights), or F16 / BF16 for a
  /// model to ship or share (half the bytes; diffusers' `variant="fp16"` files are F16). F16
  /// keeps 11 significant bits where BF16 keeps 8, so it is the closer copy of weights as small
  /// as a U-Net's; a value F16 cannot hold (|w| > 65504, or NaN) is refused by name, not
  /// written as infinity.
  public static func save(
    _ model: UNet2DConditionModel, to directory: URL, weights override: [String: Tensor]? = nil,
    extraMetadata: [String: String] = [:], storage: SafeTensorsDType = .f32
  ) throws {
    precondition([.f32, .f16, .bf16].contains(storage), "weights are stored as F32, F16 or BF16")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(weightsFile)
    let entries = try model.namedParameters().map { named -> SafeTensorsEntry in
      let (name, p) = named
      let t = toFile(override?[name] ?? p.value.detached())
      switch storage {
      case .f16, .bf16:
        let values = t.scalars
        if let bad = values.first(where: { !$0.isFinite || (storage == .f16 && abs($0) > 65504) }) {
          throw LoadError.notRepresentable(key: name, dtype: storage, value: bad, file: url.path)
        }
        return storage == .f16
          ? SafeTensorsEntry.f16(name, shape: t.shape, values)
          : SafeTensorsEntry.bf16(name, shape: t.shape, values)
      default:
        return t.safeTensorsEntry(name: name)
      }
    }
    var metadata = ["format": "pt"]
    metadata.merge(extraMetadata) { $1 }
    try SafeTensors.write(entries, metadata: metadata, to: url)
    try AtomicFile.write(
      try model.config.jsonData(), to: directory.appendingPathComponent(configFile))
  }

  /// Reads `config.json` and builds the model with the file's weights. Before any tensor is
  /// allocated the config is range-checked and its fp32 weights, counted from the config, must
  /// fit in the memory the machine has available; then every tensor is matched by name and shape.
  public static func load(from directory: URL) throws -> UNet2DConditionModel {
    let configURL = directory.appendingPathComponent(configFile)
    let config = try UNetConfig(
      diffusersJSON: try Data(contentsOf: configURL), file: configURL.path)
    let url = directory.appendingPathComponent(weightsFile)
    let file = try SafeTensorsFile(contentsOf: url)
    let bytes = config.parameterCount * MemoryLayout<Float>.size
    if let available = availableMemory(), bytes > available {
      throw LoadError.tooLarge(bytes: bytes, available: available, file: url.path)
    }
    var rng = RandomStream(seed: 0, name: "init")
    let model = try UNet2DConditionModel(config, stream: &rng)
    try loadWeights(into: model, from: file, path: url.path)
    return model
  }

  /// Bytes of memory available to a new allocation (Linux `MemAvailable`); nil where unknown.
  static func availableMemory() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else {
      return nil
    }
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kB = Int(fields[1]) { return kB * 1024 }
    }
    return nil
  }

  /// Assigns every parameter from a safetensors file, strictly: each key present with its shape,
  /// and no key the model lacks.
  public static func loadWeights(into model: any Module, from url: URL) throws {
    try loadWeights(into: model, from: try SafeTensorsFile(contentsOf: url), path: url.path)
  }

  static func loadWeights(into model: any Module, from file: SafeTensorsFile, path: String) throws {
    let url = URL(fileURLWithPath: path)
    let named = model.namedParameters()
    var seen = Set<String>()
    for (name, p) in named {
      guard file.names.contains(name) else {
        throw LoadError.missingTensor(key: name, file: url.path)
      }
      let t = fromFile(try Tensor(safeTensors: file, name: name))
      guard t.shape == p.shape else {
        throw LoadError.shapeMismatch(
          key: name,
          expected: p.shape.count == 4
            ? [p.shape[0], p.shape[3], p.shape[1], p.shape[2]] : p.shape,
          found: try file.info(name).shape, file: url.path)
      }
      p.assign(t)
      seen.insert(name)
    }
    let extra = file.names.filter { !seen.contains($0) }
    if !extra.isEmpty { throw LoadError.unexpectedTensors(keys: extra, file: url.path) }
  }
}
