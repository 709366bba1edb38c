import PipelineCore

/// How one run of a command stage ended.
enum CommandOutcome: Sendable {
  case succeeded
  /// Not run: the command uses `{files}` and no changed file exists.
  case skipped
  /// `commandLine`: the command as run and shown (``ChangedFilesExpansion/commandLine(for:paths:namesShown:)``).
  case failed(TerminationStatus, commandLine: String)
  case timedOut(commandLine: String)
  case couldNotStart(String)
  /// The command ran, but what it did fails the stage (a format check found unformatted
  /// files). The text says what, after the stage's name.
  case rejected(String)
  /// Stopped because a newer batch arrived or the pipeline is stopping.
  case cancelled
}

/// Runs a stage's command once for a batch — several times when `{files}` is split — with
/// output streamed as events, and stops the whole process group on cancellation or timeout.
struct CommandExecution: Sendable {
  let configuration: CommandConfiguration
  let context: StageContext
  /// The stage's `PIPELINE_CHANGED_FILES_LIST`.
  let listFiles = ChangedFilesList()

  func run(for batch: Batch) async -> CommandOutcome {
    let existing = batch.changes.filter { $0.kind != .removed }.map(\.path)
    let command = configuration.process.command
    let commands = ChangedFilesExpansion.commands(for: command, paths: existing)
    let commandLine = ChangedFilesExpansion.commandLine(for: command, paths: existing)
    // Shown as `[NAME] $ COMMAND LINE`: the command as it runs, `{files}` replaced.
    context.emit(
      .stageStarted, "running \(commandLine)", paths: batch.paths,
      metadata: ["command": command.description].merging(
        command.usesFilesPlaceholder ? ["command_line": commandLine] : [:]) { $1 })
    let environment: CommandEnvironment
    do {
      environment = try CommandEnvironment(
        context: context, stageEnvironment: configuration.process.environment, batch: batch,
        listFiles: listFiles)
    } catch {
      return .couldNotStart(Diagnostic.inlineText(of: error))
    }
    for command in commands {
      let outcome = await runOne(command, environment: environment.variables, commandLine: commandLine)
      guard case .succeeded = outcome else { return outcome }
    }
    return .succeeded
  }

  /// Runs one command through the same public helper a custom stage uses
  /// (``StageContext/run(_:timeout:onLine:)``).
  private func runOne(_ command: CommandSpec, environment: [String: String], commandLine: String) async -> CommandOutcome {
    if Task.isCancelled { return .cancelled }
    let launch: ProcessLaunch
    do {
      launch = try configuration.process.launch(command, environment: environment, context: context)
    } catch {
      return .couldNotStart(error.description)
    }
    switch await context.run(launch, timeout: configuration.timeout) {
    case .succeeded: return .succeeded
    case .failed(let status): return .failed(status, commandLine: commandLine)
    case .timedOut: return .timedOut(commandLine: commandLine)
    case .cancelled: return .cancelled
    case .couldNotStart(let error): return .couldNotStart(error.description)
    }
  }
}
