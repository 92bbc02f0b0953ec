import Testing

@Test func glyphdataBuilds() {}
