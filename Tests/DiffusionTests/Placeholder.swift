import Testing

@Test func diffusionBuilds() {}
