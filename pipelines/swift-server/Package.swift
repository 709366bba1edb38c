// swift-tools-version: 6.0
// The Swift example of `pipeline`: a tiny HTTP server with no dependencies, so a clean
// build takes seconds. `pipeline run` here builds it into .build-pipeline and restarts it
// on every change; a change to this file resolves the package first.
import PackageDescription

let package = Package(
  name: "hello-server",
  products: [.executable(name: "hello-server", targets: ["HelloServer"])],
  targets: [.executableTarget(name: "HelloServer")]
)
