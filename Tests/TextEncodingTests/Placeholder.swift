import Testing

@Test func textEncodingBuilds() {}
