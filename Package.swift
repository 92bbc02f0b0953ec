// swift-tools-version: 6.1
import PackageDescription

// Release builds: unchecked optimisation and whole-module compilation for every target (debug
// builds, the tests', stay -Onone so they compile fast; tests keep their work small).
let fastFlags: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))
]
// The engine is optimised in debug builds too: its kernels are generic over the vector width
// (`FloatVector`), and at -Onone generic SIMD arithmetic runs lane by lane through witness
// tables (the test suite took 112 s against 75 s with concrete 8-lane kernels).
let engineFlags: [SwiftSetting] = fastFlags + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "Glyffuser",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "glyffuser", targets: ["GlyffuserCLI"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
  ],
  targets: [
    // System-library shims (module.modulemap only).
    .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
    .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2"),
    .systemLibrary(name: "CBZip2", path: "Sources/CBZip2"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

    // The engine: tensors, autodiff, kernels, RNG, safetensors. Knows nothing of diffusion.
    .target(
      name: "Tensors",
      dependencies: ["CDNNL", .product(name: "Numerics", package: "swift-numerics")],
      swiftSettings: engineFlags),
    .target(name: "NN", dependencies: ["Tensors"], swiftSettings: fastFlags),
    .target(name: "Imaging", dependencies: ["CZlib", "CFreeType"], swiftSettings: fastFlags),
    .target(
      name: "GlyphData", dependencies: ["Imaging", "Tensors", "CFreeType", "CBZip2"],
      swiftSettings: fastFlags),
    .target(name: "TextEncoding", dependencies: ["NN", "Tensors"], swiftSettings: fastFlags),
    .target(
      name: "Diffusion", dependencies: ["NN", "Tensors", "TextEncoding"], swiftSettings: fastFlags),
    // The article's figures (`glyffuser explain`) and the UMAP they need.
    .target(
      name: "Explain",
      dependencies: ["Tensors", "NN", "Imaging", "GlyphData", "Diffusion", "TextEncoding"],
      swiftSettings: fastFlags),
    // The quality measure (`glyffuser judge`, `glyffuser eval`): the glyph judge, FD, KID,
    // precision/recall, novelty. Optimised in debug builds too: its scalar loops (Jacobi
    // rotations, augmentation, neighbour search) are what its tests spend their time in.
    .target(
      name: "Evaluation",
      dependencies: ["Tensors", "NN", "Imaging", "GlyphData", "Diffusion", "TextEncoding"],
      swiftSettings: engineFlags),
    .executableTarget(
      name: "GlyffuserCLI",
      dependencies: [
        "Tensors", "NN", "Imaging", "GlyphData", "Diffusion", "TextEncoding", "Explain",
        "Evaluation",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: fastFlags),

    .testTarget(name: "TensorsTests", dependencies: ["Tensors"], resources: [.copy("Fixtures")]),
    .testTarget(name: "NNTests", dependencies: ["NN", "Tensors"]),
    .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
    .testTarget(
      name: "GlyphDataTests", dependencies: ["GlyphData", "Imaging", "Tensors"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "DiffusionTests", dependencies: ["Diffusion", "Tensors", "NN"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "TextEncodingTests", dependencies: ["TextEncoding", "NN", "Tensors"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "EvaluationTests",
      dependencies: ["Evaluation", "GlyphData", "Diffusion", "Tensors", "NN"]),
    .testTarget(
      name: "ExplainTests",
      dependencies: ["Explain", "Imaging", "GlyphData", "Diffusion", "Tensors"]),
  ],
  swiftLanguageModes: [.v6]
)
