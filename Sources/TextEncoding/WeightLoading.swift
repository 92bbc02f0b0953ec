import Foundation
import NN
import Tensors

/// Fills a module's parameters from a Hugging Face `model.safetensors`, strictly: every
/// parameter path must be present (optionally under `prefix`, e.g. "bert.") with the same shape,
/// and no other tensor may live under the model's own namespaces; anything else (pooler, heads,
/// decoder) is ignored.
enum WeightLoader {
  static func load(
    _ module: any Module, from url: URL, namespaces: [String], prefixes: [String] = [""],
    aliases: [String: String] = [:]
  ) throws {
    let file: SafeTensorsFile
    do {
      file = try SafeTensorsFile(contentsOf: url)
    } catch let e as SafeTensorsError where e.kind == .io {
      throw TextEncodingError.missingFile(path: url.path, hint: "\(e)")
    }
    let params = module.namedParameters()
    // The prefix under which the first parameter is found decides for all.
    let prefix =
      prefixes.first { p in params.contains { file.contains(p + $0.0) } } ?? prefixes[0]
    var used = Set<String>()
    for (path, parameter) in params {
      var key = prefix + path
      if !file.contains(key), let alias = aliases[path], file.contains(prefix + alias) {
        key = prefix + alias
      }
      guard file.contains(key) else {
        throw TextEncodingError.missingTensor(path: url.path, key: prefix + path)
      }
      let info = try file.info(key)
      guard info.shape == parameter.shape else {
        throw TextEncodingError.shapeMismatch(
          path: url.path, key: key, expected: parameter.shape, found: info.shape)
      }
      parameter.assign(try Tensor(safeTensors: file, name: key))
      used.insert(key)
    }
    for name in file.names where !used.contains(name) && name.hasPrefix(prefix) {
      let local = String(name.dropFirst(prefix.count))
      let ignorable = local.hasSuffix("position_ids") || aliases.values.contains(local)
      if !ignorable && namespaces.contains(where: { local.hasPrefix($0) }) {
        throw TextEncodingError.unexpectedTensor(path: url.path, key: name)
      }
    }
  }
}
