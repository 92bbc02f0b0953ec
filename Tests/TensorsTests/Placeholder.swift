import Testing

@Test func tensorsBuilds() {}
