import Testing

@Test func imagingBuilds() {}
