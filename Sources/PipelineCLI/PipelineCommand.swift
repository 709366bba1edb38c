import ArgumentParser
import PipelineCore
import Synchronization

/// The `pipeline` command line. A package that adds its own stages builds its own runner
/// with the same commands:
///
/// ```swift
/// @main struct Main {
///   static func main() async {
///     var registry = StageRegistry.builtIn
///     try! registry.register(LintStage.self)
///     await PipelineCommand.main(registry: registry)
///   }
/// }
/// ```
public struct PipelineCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "pipeline",
    abstract: "Hot reload as a pipeline: watch → debounce → filter → build → test → restart.",
    discussion: "Runs the stages a pipeline.yaml declares. See Documentation/ in the repository.",
    subcommands: [RunCommand.self, ValidateCommand.self, StagesCommand.self, InitCommand.self],
    defaultSubcommand: RunCommand.self)

  public init() {}

  /// Parses the process's arguments and runs the chosen command with `registry`'s stages.
  public static func main(registry: StageRegistry) async {
    // A runner without a `pipeline-keeper` file next to it serves as its own keeper.
    ProcessKeeper.runIfRequested(CommandLine.arguments)
    ProcessKeeper.enableSelfHosting()
    RegistryHolder.current.withLock { $0 = registry }
    await main()
  }
}

/// The registry the commands use; set once by ``PipelineCommand/main(registry:)``.
enum RegistryHolder {
  static let current = Mutex(StageRegistry())
  static var registry: StageRegistry { current.withLock { $0 } }
}
