import Testing

@Test func nnBuilds() {}
