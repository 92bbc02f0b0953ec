// swift-tools-version: 6.1
import PackageDescription

// Release builds optimise every target (-O, whole module: SwiftPM's release defaults), with
// bounds and overflow checks: a missed check in code that reads files users hand us traps
// instead of corrupting memory. Only the engine (Tensors) and NN (optimiser loops over every
// parameter) drop the checks (-Ounchecked); docs/BENCHMARKS.md has the A/B that chose NN.
// Debug builds (the tests') stay -Onone except where said.
// Every Swift target is compiled for x86-64-v3 (Haswell: AVX2 + FMA) on x86-64, so a plain
// `swift build -c release` gives vector kernels with FMA instead of baseline SSE2 (3.8x slower
// training); CPUCheck refuses older CPUs with a message. `make build` adds -target-cpu native,
// which comes later on the command line and wins: on AVX-512 CPUs that is 0-5 % faster
// (docs/BENCHMARKS.md, "Portable and native builds").
#if arch(x86_64)
  let portableCPU: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
  let portableCPU: [SwiftSetting] = []
#endif
let checkedFlags: [SwiftSetting] = portableCPU
// The engine is optimised in debug builds too: its kernels are generic over the vector width
// (`FloatVector`), and at -Onone generic SIMD arithmetic runs lane by lane through witness
// tables (the test suite took 112 s against 75 s with concrete 8-lane kernels).
let engineFlags: [SwiftSetting] =
  portableCPU + [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
  ]
// Optimised in debug builds too, but checked: for targets whose tests spend their time in
// scalar loops.
let optimisedDebugFlags: [SwiftSetting] =
  portableCPU + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "Glyffuser",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "glyffuser", targets: ["GlyffuserCLI"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // No default traits: swift-configuration and full Foundation are not needed.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
  ],
  targets: [
    // System-library shims (module.modulemap only).
    .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
    .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2"),
    .systemLibrary(name: "CBZip2", path: "Sources/CBZip2"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // A clear message instead of SIGILL on a CPU older than the build's x86-64-v3 baseline.
    .target(name: "CPUCheck"),

    // The file formats the engine reads and writes: safetensors (strict header parser), atomic
    // files, half-precision conversions. Parsers of files users hand us: built with checks.
    .target(name: "TensorFiles", swiftSettings: checkedFlags),
    // How long jobs report progress and are asked to stop: one shape for every library.
    .target(name: "JobControl", swiftSettings: checkedFlags),
    // The engine: tensors, autodiff, kernels, RNG. Knows nothing of diffusion.
    .target(
      name: "Tensors",
      dependencies: ["CDNNL", "TensorFiles"],
      swiftSettings: engineFlags),
    // Layers and the optimiser: AdamW, EMA and gradient clipping are scalar loops over every
    // parameter, which bounds checks slowed by a tenth of a `tiny` training step (A/B in
    // docs/BENCHMARKS.md); it reads no files.
    .target(name: "NN", dependencies: ["Tensors"], swiftSettings: engineFlags),
    .target(name: "Imaging", dependencies: ["CZlib", "CFreeType"], swiftSettings: checkedFlags),
    .target(
      name: "GlyphData",
      dependencies: ["Imaging", "Tensors", "CFreeType", "CBZip2", "JobControl"],
      swiftSettings: checkedFlags),
    // Optimised in debug builds too: at -Onone the SHA-256 check of the encoder's weights takes
    // 11 s, which every test that runs the CLI waits for.
    .target(
      name: "TextEncoding", dependencies: ["NN", "Tensors", "JobControl"],
      swiftSettings: optimisedDebugFlags),
    .target(
      name: "Diffusion",
      dependencies: ["NN", "Tensors", "TextEncoding", "GlyphData", "JobControl"],
      swiftSettings: checkedFlags),
    // The article's figures (`glyffuser explain`) and the UMAP they need.
    .target(
      name: "Explain",
      dependencies: [
        "Tensors", "NN", "Imaging", "GlyphData", "Diffusion", "TextEncoding", "JobControl",
      ],
      swiftSettings: checkedFlags),
    // The quality measure (`glyffuser judge`, `glyffuser eval`): the glyph judge, FD, KID,
    // precision/recall, novelty. Optimised in debug builds too: its scalar loops (Jacobi
    // rotations, augmentation, neighbour search) are what its tests spend their time in.
    .target(
      name: "Evaluation",
      dependencies: [
        "Tensors", "NN", "Imaging", "GlyphData", "Diffusion", "TextEncoding", "JobControl",
      ],
      swiftSettings: optimisedDebugFlags),
    // `glyffuser serve`: the local web app (Hummingbird 2), on the libraries' API.
    .target(
      name: "GlyffuserServer",
      dependencies: [
        "Tensors", "Imaging", "Diffusion", "Explain", "TextEncoding", "JobControl", "GlyphData",
        "Evaluation", .product(name: "Hummingbird", package: "hummingbird"),
      ],
      swiftSettings: checkedFlags),
    .executableTarget(
      name: "GlyffuserCLI",
      dependencies: [
        "Tensors", "NN", "Imaging", "GlyphData", "Diffusion", "TextEncoding", "Explain",
        "Evaluation", "JobControl", "CPUCheck", "GlyffuserServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: checkedFlags),

    .testTarget(
      name: "TensorsTests", dependencies: ["Tensors", "TensorFiles"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "NNTests", dependencies: ["NN", "Tensors"]),
    // Tests talk to a live server on a loopback port with URLSession: HummingbirdTesting would
    // bring async-http-client and BoringSSL into every build.
    .testTarget(
      name: "GlyffuserServerTests", dependencies: ["GlyffuserServer", "Diffusion", "Tensors"]),
    .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
    .testTarget(
      name: "GlyphDataTests", dependencies: ["GlyphData", "Imaging", "Tensors"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "DiffusionTests",
      dependencies: ["Diffusion", "Tensors", "NN", "GlyphData", "TextEncoding"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "TextEncodingTests", dependencies: ["TextEncoding", "NN", "Tensors", "JobControl"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "EvaluationTests",
      dependencies: ["Evaluation", "GlyphData", "Diffusion", "Tensors", "NN", "JobControl"]),
    .testTarget(
      name: "ExplainTests",
      dependencies: ["Explain", "Imaging", "GlyphData", "Diffusion", "Tensors"]),
  ],
  swiftLanguageModes: [.v6]
)

// libFuzzer targets for every parser of files and text users hand us (`make fuzz`,
// scripts/fuzz): only with GLYFFUSER_FUZZ set, built with `-sanitize=fuzzer,address` into their
// own build folder, so neither `make build` nor `make test` sees them.
if Context.environment["GLYFFUSER_FUZZ"] != nil {
  let parsers: [(String, [Target.Dependency])] = [
    ("FuzzSafeTensors", ["TensorFiles"]),
    ("FuzzPNG", ["Imaging"]),
    ("FuzzUnihan", ["GlyphData"]),
    ("FuzzZip", ["GlyphData"]),
    ("FuzzWordPiece", ["TextEncoding"]),
    ("FuzzSentencePiece", ["TextEncoding"]),
    ("FuzzConfigs", ["Diffusion", "TextEncoding", "GlyphData", "Evaluation"]),
    ("FuzzMetrics", ["Diffusion"]),
    (
      "FuzzRequests",
      ["GlyffuserServer", .product(name: "HummingbirdCore", package: "hummingbird")]
    ),
  ]
  package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Sources/FuzzSupport"))
  for (name, dependencies) in parsers {
    package.targets.append(
      .executableTarget(
        name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/Sources/\(name)",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
  }
}
