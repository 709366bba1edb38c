import ArgumentParser
import FoundationEssentials
import Glibc
import PipelineCore
import Synchronization

/// The `pipeline` command line. A package that adds its own stages builds its own runner
/// with the same commands, in one call:
///
/// ```swift
/// import PipelineCLI
/// import PipelineStages
///
/// @main struct Main {
///   static func main() async {
///     await PipelineCommand.main(registry: .builtIn, adding: [LintStage.self])
///   }
/// }
/// ```
public struct PipelineCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "pipeline",
    abstract: "Hot reload as a pipeline: watch → debounce → filter → build → test → restart.",
    discussion: "Runs the stages a pipeline.yaml declares. See Documentation/ in the repository.",
    version: "pipeline \(PipelineVersion.current)",
    subcommands: [
      RunCommand.self, ValidateCommand.self, StagesCommand.self, InitCommand.self, NewStageCommand.self,
    ],
    defaultSubcommand: RunCommand.self)

  public init() {}

  /// The subcommands' names, in the order `pipeline --help` lists them.
  static var commandNames: [String] { configuration.subcommands.compactMap { $0.configuration.commandName } }

  /// Parses the process's arguments and runs the chosen command with `registry`'s stages.
  ///
  /// On the main actor, as an `async` entry point is: so the runner's call does not hop to
  /// Swift's global pool, which would start it (and libdispatch's once-a-second monitor with it)
  /// in a pipeline that never needs it.
  @MainActor
  public static func main(registry: StageRegistry) async {
    MallocArenas.useOne()
    // A runner without a `pipeline-keeper` file next to it serves as its own keeper; checked
    // first, so a keeper process starts no engine thread.
    ProcessKeeper.runIfRequested(CommandLine.arguments)
    ProcessKeeper.enableSelfHosting()
    HelpTopicCheck.exitIfUnknown(CommandLine.arguments)
    RegistryHolder.current.withLock { $0 = registry }
    // Everything `pipeline` does between the stages runs on the engine's thread: the global
    // pool is then only started by stages that ask for it (and custom stages), so a waiting
    // pipeline wakes no thread.
    await withTaskExecutorPreference(EngineExecutor.shared) { await main() }
  }

  /// Like ``main(registry:)``, with `stages` registered on top of `registry`.
  ///
  /// A name taken twice (a custom stage named like a built-in) is reported and the runner
  /// exits with status 1.
  @MainActor
  public static func main(registry: StageRegistry, adding stages: [any Stage.Type]) async {
    var registry = registry
    for stage in stages {
      do {
        try registry.register(stage)
      } catch {
        TerminalWriter().line("\(error)", error: true)
        Glibc.exit(1)
      }
    }
    await main(registry: registry)
  }
}

/// The registry the commands use; set once by ``PipelineCommand/main(registry:)``.
enum RegistryHolder {
  static let current = Mutex(StageRegistry())
  static var registry: StageRegistry { current.withLock { $0 } }
}
