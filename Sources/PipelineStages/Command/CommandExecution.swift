import PipelineCore

/// How one run of a command stage ended.
enum CommandOutcome: Sendable {
  case succeeded
  /// Not run: the command uses `{files}` and no changed file exists.
  case skipped
  case failed(TerminationStatus)
  case timedOut
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

  func run(for batch: Batch) async -> CommandOutcome {
    let existing = batch.changes.filter { $0.kind != .removed }.map(\.path)
    let commands = ChangedFilesExpansion.commands(for: configuration.process.command, paths: existing)
    let environment: CommandEnvironment
    do {
      environment = try CommandEnvironment(
        context: context, stageEnvironment: configuration.process.environment, batch: batch)
    } catch {
      return .couldNotStart("\(error)")
    }
    defer { environment.cleanUp() }
    for command in commands {
      let outcome = await runOne(command, environment: environment.variables)
      guard case .succeeded = outcome else { return outcome }
    }
    return .succeeded
  }

  private func runOne(_ command: CommandSpec, environment: [String: String]) async -> CommandOutcome {
    if Task.isCancelled { return .cancelled }
    let process: ChildProcess
    do {
      let launch = try configuration.process.launch(command, environment: environment, context: context)
      let context = self.context
      process = try ChildProcess.launch(launch) { channel, line in context.output(line, channel: channel) }
    } catch {
      return .couldNotStart(error.description)
    }

    let timedOut = AtomicFlag()
    let timer: Task<Void, Never>? = configuration.timeout.map { timeout in
      Task {
        try? await Task.sleep(for: timeout)
        guard !Task.isCancelled else { return }
        timedOut.set()
        await process.stop(signal: configuration.process.signal, killAfter: configuration.process.killAfter)
      }
    }
    let status = await withTaskCancellationHandler {
      await process.waitForExit()
    } onCancel: {
      Task { await process.stop(signal: configuration.process.signal, killAfter: configuration.process.killAfter) }
    }
    timer?.cancel()
    // The command is done; whatever it left running in its group goes with it.
    if process.isGroupAlive {
      await process.stop(signal: configuration.process.signal, killAfter: configuration.process.killAfter)
    }
    await process.waitForOutput()
    if timedOut.isSet { return .timedOut }
    if Task.isCancelled { return .cancelled }
    return status.isSuccess ? .succeeded : .failed(status)
  }
}
