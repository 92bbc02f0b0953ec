import Foundation
import Testing

@testable import TextEncoding

/// BERT and T5 `config.json` files with hostile numbers: each is refused with the key named,
/// never a division by zero, a wrapped integer or an unbounded allocation.
@Suite struct HostileEncoderConfigTests {
  /// The fixture's config.json with `key` set to the JSON text `value`.
  static func edited(_ folder: String, _ key: String, _ value: String) throws -> Data {
    let url = fixture(folder).appendingPathComponent("config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    json[key] = try JSONSerialization.jsonObject(
      with: Data(value.utf8), options: .fragmentsAllowed)
    return try JSONSerialization.data(withJSONObject: json)
  }

  @Test(arguments: [
    ("num_attention_heads", "0"), ("num_attention_heads", "-4"), ("hidden_size", "0"),
    ("hidden_size", "1099511627776"), ("vocab_size", "1e30"), ("num_hidden_layers", "100000"),
    ("intermediate_size", "-1"), ("max_position_embeddings", "0"), ("layer_norm_eps", "0"),
    ("type_vocab_size", "\"two\""), ("num_attention_heads", "5"),
  ])
  func bertNamesTheKey(key: String, value: String) throws {
    let data = try Self.edited("tiny-bert", key, value)
    #expect {
      try BertConfig(data: data, path: "hostile/config.json")
    } throws: { "\($0)".contains(key) && "\($0)".contains("hostile/config.json") }
  }

  @Test(arguments: [
    ("num_heads", "0"), ("d_model", "-1"), ("d_kv", "0"), ("d_ff", "1125899906842624"),
    ("num_layers", "0"), ("relative_attention_num_buckets", "2"),
    ("relative_attention_num_buckets", "0"), ("relative_attention_max_distance", "1"),
    ("relative_attention_max_distance", "-5"), ("layer_norm_epsilon", "-1e-6"),
    ("vocab_size", "3.5"),
  ])
  func t5NamesTheKey(key: String, value: String) throws {
    let data = try Self.edited("tiny-t5", key, value)
    #expect {
      try T5Config(data: data, path: "hostile/config.json")
    } throws: { "\($0)".contains(key) }
  }

  @Test func theFixturesStillLoad() throws {
    _ = try BertConfig(data: try Self.edited("tiny-bert", "unused", "0"))
    _ = try T5Config(data: try Self.edited("tiny-t5", "unused", "0"))
  }
}
