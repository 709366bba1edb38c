// swift-tools-version: 6.1
// An example of a custom stage, compiled in (Way 1) and served as its own program (Way 2).
// See Documentation/WritingAStage.md in the pipeline repository.
import PackageDescription

let package = Package(
  name: "custom-stage",
  products: [
    // Way 1: `pipeline` with the built-in stages plus http_check.
    .executable(name: "smoke-pipeline", targets: ["SmokePipeline"]),
    // Way 2: the same stage as a program for `stage: external`.
    .executable(name: "http-check-stage", targets: ["HTTPCheckServer"]),
  ],
  dependencies: [
    // Users write: .package(url: "https://github.com/OWNER/pipeline", from: "1.0.0")
    .package(name: "pipeline", path: "../.."),
  ],
  targets: [
    .target(name: "HTTPCheck", dependencies: [.product(name: "PipelineCore", package: "pipeline")]),
    .executableTarget(
      name: "SmokePipeline",
      dependencies: [
        "HTTPCheck",
        .product(name: "PipelineCLI", package: "pipeline"),
        .product(name: "PipelineStages", package: "pipeline"),
      ]),
    .executableTarget(
      name: "HTTPCheckServer",
      dependencies: ["HTTPCheck", .product(name: "PipelineCore", package: "pipeline")]),
    .testTarget(
      name: "HTTPCheckTests",
      dependencies: ["HTTPCheck", .product(name: "PipelineCore", package: "pipeline")]),
  ]
)
