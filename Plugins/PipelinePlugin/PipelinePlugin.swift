import Foundation
import PackagePlugin

/// `swift package --disable-sandbox pipeline [--runner PRODUCT] [ARGUMENTS…]`: runs `pipeline`
/// in the folder of the package it is invoked in, so `swift package --disable-sandbox pipeline run`
/// runs that package's `pipeline.yaml`.
///
/// The built-in `pipeline` is used by default. `--runner PRODUCT` builds one of the package's own
/// executables instead — a runner made with `PipelineCommand.main(registry:adding:)` that has
/// the package's custom stages compiled in. `--disable-sandbox` is needed because the pipeline
/// starts processes, writes files and listens on ports.
@main
struct PipelinePlugin: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    var extractor = ArgumentExtractor(arguments)
    let runner = extractor.extractOption(named: "runner").last
    let forwarded = extractor.remainingArguments

    let executable: URL
    if let runner {
      let result = try packageManager.build(
        .product(runner), parameters: PackageManager.BuildParameters(configuration: .debug, logging: .concise))
      guard result.succeeded else {
        Diagnostics.error("building '\(runner)' failed:\n\(result.logText)")
        exit(1)
      }
      guard let built = result.builtArtifacts.first(where: { $0.kind == .executable }) else {
        Diagnostics.error("'\(runner)' is not an executable product of this package; --runner names one that calls PipelineCommand.main")
        exit(1)
      }
      executable = built.url
    } else {
      executable = try context.tool(named: "pipeline").url
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = forwarded
    process.currentDirectoryURL = context.package.directoryURL
    try process.run()
    process.waitUntilExit()
    // Exit as pipeline did, so scripts and CI see its status.
    exit(process.terminationStatus)
  }
}
