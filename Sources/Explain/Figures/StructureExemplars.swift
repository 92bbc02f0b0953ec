import Imaging

/// Well-known characters of the two commonest compositions, drawn on the data-set map to show
/// where each kind lies: left–right (⿰, like 明 = 日 + 月) and top–bottom (⿱, like 草 = 艹 + 早).
/// Chosen by hand across different components (日 氵 女 木 亻 讠 扌 口 / 艹 ⺮ 宀 雨 心 …) so that
/// a shared component alone does not make them look like a cluster. Only the data set is read:
/// characters missing from it are skipped.
enum StructureExemplars {
  static let leftRight: [Character] = ["明", "河", "好", "林", "你", "说", "打", "呼", "晴", "粮"]
  static let topBottom: [Character] = ["草", "花", "笑", "字", "家", "雪", "思", "意", "星", "岸"]

  static let leftRightColor = Color(hex: 0x1F5FBF)
  static let topBottomColor = Color(hex: 0xD9480F)

  /// Both lists interleaved (明, 草, 河, 花, …): the order in which they claim space on the map.
  static var priority: [(Character, Bool)] {
    var out: [(Character, Bool)] = []
    for k in 0..<max(leftRight.count, topBottom.count) {
      if k < leftRight.count { out.append((leftRight[k], true)) }
      if k < topBottom.count { out.append((topBottom[k], false)) }
    }
    return out
  }

  /// Data-set indices of the exemplars present, with their kind, in `priority` order.
  static func present(in codepoints: [UInt32]) -> [(index: Int, leftRight: Bool)] {
    var position: [UInt32: Int] = [:]
    for (i, cp) in codepoints.enumerated() where position[cp] == nil { position[cp] = i }
    return priority.compactMap { ch, lr in
      ch.unicodeScalars.first.flatMap { position[$0.value] }.map { (index: $0, leftRight: lr) }
    }
  }
}
