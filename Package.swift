// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "pipeline",
  products: [
    .executable(name: "pipeline", targets: ["pipeline"]),
    .executable(name: "pipeline-keeper", targets: ["PipelineKeeper"]),
    .library(name: "PipelineCore", targets: ["PipelineCore"]),
    .library(name: "PipelineStages", targets: ["PipelineStages"]),
    .library(name: "PipelineCLI", targets: ["PipelineCLI"]),
    // `swift package --disable-sandbox pipeline run` in a package that depends on this one.
    .plugin(name: "PipelinePlugin", targets: ["PipelinePlugin"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
  ],
  targets: [
    .target(name: "CPipelineSystem"),
    .target(name: "PipelineCore", dependencies: ["CPipelineSystem"]),
    .target(name: "PipelineStages", dependencies: ["PipelineCore", "CPipelineSystem"]),
    .target(
      name: "PipelineCLI",
      dependencies: [
        "PipelineCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // A small C spawn server that `pipeline` starts once and runs every command through, so
    // no command outlives it. `pipeline` depends on it so that building one builds both.
    // Linked statically and without the Swift runtime (without_swift_runtime.c): it runs for
    // as long as `pipeline` does, and this way holds about 1 MB instead of 5. SwiftPM accepts
    // these unsafe flags in a dependency taken by version too: no library product contains
    // this target, and the plugin builds `pipeline` alone (its fallback keeper is itself).
    .executableTarget(
      name: "PipelineKeeper", dependencies: ["CPipelineSystem"],
      linkerSettings: [.unsafeFlags(["-static-executable"])]),
    // A release build carries the Swift standard library and Foundation inside it: one file to
    // copy into a container, started faster and about 2 MB lighter in memory than with the
    // shared libraries. It is not position-independent (as Go builds air, say): no start-up
    // relocation of 40,000 pointers, 1 MB less memory; the libraries, stack and heap keep
    // their random addresses (Documentation/Installing.md, Benchmarks.md).
    .executableTarget(
      name: "pipeline", dependencies: ["PipelineCLI", "PipelineStages", "PipelineKeeper"],
      linkerSettings: [
        .unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"], .when(configuration: .release)),
        // What the static FoundationEssentials needs, which its shared library would bring.
        .linkedLibrary("_FoundationCollections", .when(configuration: .release)),
        .linkedLibrary("_FoundationCShims", .when(configuration: .release)),
      ]),
    // Times one command start through ChildProcess (Benchmarks/spawn/SpawnBenchmark.swift).
    .executableTarget(
      name: "spawn-benchmark", dependencies: ["PipelineCore", "PipelineKeeper"], path: "Benchmarks/spawn"),
    // A stage served with ExternalStageServer, for the end-to-end tests of `stage: external`
    // (swift test builds it next to `pipeline`).
    .executableTarget(
      name: "served-stage-fixture", dependencies: ["PipelineCore"], path: "Tests/Fixtures/ServedStage"),
    .plugin(
      name: "PipelinePlugin",
      capability: .command(
        intent: .custom(verb: "pipeline", description: "Run pipeline (run, validate, stages…) in this package's folder")),
      dependencies: ["pipeline"]),
    .testTarget(name: "PipelineCoreTests", dependencies: ["PipelineCore"]),
    .testTarget(name: "PipelineStagesTests", dependencies: ["PipelineStages", "PipelineCore"]),
    .testTarget(name: "PipelineCLITests", dependencies: ["PipelineCLI", "PipelineStages", "PipelineCore"]),
    .testTarget(name: "EndToEndTests", dependencies: ["PipelineCore"]),
  ]
)
