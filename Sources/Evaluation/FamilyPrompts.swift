/// Prompts whose meaning fixes the radical a glyph should show: the fixed family table of
/// `glyffuser eval` (per-prompt adherence, the bar chart in `report.png`). The held-out
/// definitions only sometimes determine the radical ("surname", "name of a place"); these do.
public struct FamilyPrompt: Sendable, Equatable, Codable {
  public var prompt: String
  /// Kangxi radical number (1–214).
  public var radical: Int

  public init(_ prompt: String, _ radical: Int) {
    self.prompt = prompt
    self.radical = radical
  }

  /// Twenty semantic families, each with the radical (Kangxi number) its characters carry.
  public static let table: [FamilyPrompt] = [
    FamilyPrompt("metal", 167),  // 金 / 钅
    FamilyPrompt("water", 85),  // 水 / 氵
    FamilyPrompt("tree", 75),  // 木
    FamilyPrompt("grass", 140),  // 艸 / 艹
    FamilyPrompt("fire", 86),  // 火 / 灬
    FamilyPrompt("bird", 196),  // 鳥 / 鸟
    FamilyPrompt("fish", 195),  // 魚 / 鱼
    FamilyPrompt("horse", 187),  // 馬 / 马
    FamilyPrompt("insect", 142),  // 虫
    FamilyPrompt("heart", 61),  // 心 / 忄
    FamilyPrompt("speech", 149),  // 言 / 讠
    FamilyPrompt("hand", 64),  // 手 / 扌
    FamilyPrompt("mouth", 30),  // 口
    FamilyPrompt("woman", 38),  // 女
    FamilyPrompt("sickness", 104),  // 疒
    FamilyPrompt("rain", 173),  // 雨
    FamilyPrompt("jade", 96),  // 玉 / 王
    FamilyPrompt("silk", 120),  // 糸 / 纟
    FamilyPrompt("bamboo", 118),  // 竹
    FamilyPrompt("eye", 109),  // 目
  ]
}
