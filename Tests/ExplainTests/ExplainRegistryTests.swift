import Testing

@testable import Explain

@Suite struct ExplainRegistryTests {
  @Test func namesAreUnique() {
    let names = ExplainFigures.all.map { $0.name }
    #expect(Set(names).count == names.count)
    for name in names { #expect(ExplainFigures.named(name) != nil) }
  }
}
