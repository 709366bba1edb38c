/// How a command that a stage ran ended.
public enum CommandResult: Sendable, Hashable, CustomStringConvertible {
  /// It exited with status 0.
  case succeeded
  /// It exited with another status, or was killed by a signal it did not get from `pipeline`.
  case failed(TerminationStatus)
  /// It ran longer than its timeout and was stopped.
  case timedOut(Duration)
  /// The task running it was cancelled (a newer batch arrived, or the pipeline is stopping),
  /// and it was stopped.
  case cancelled
  /// It could not be started (no such program, not executable, no such folder).
  case couldNotStart(LaunchError)

  /// `true` for ``succeeded``.
  public var isSuccess: Bool { self == .succeeded }

  /// For messages: `succeeded`, `exited with status 1`, `timed out after 5s`…
  public var description: String {
    switch self {
    case .succeeded: return "succeeded"
    case .failed(let status): return status.description
    case .timedOut(let limit): return "timed out after \(limit.pipelineText) and was stopped"
    case .cancelled: return "was cancelled"
    case .couldNotStart(let error): return "could not start: \(error)"
    }
  }
}

extension StageContext {
  /// Runs `command` to its end, the way the built-in `build`, `test` and `run` stages do.
  ///
  /// - The command gets the pipeline's ``environment`` plus `environment`, and starts in
  ///   `workingDirectory` (relative to ``root``).
  /// - Its output is shown line by line under the stage's name (``output(_:channel:)``);
  ///   `onLine` sees the same lines, to collect them.
  /// - It runs in its own process group under the keeper, like every process `pipeline`
  ///   starts, so nothing it starts outlives `pipeline`.
  /// - When `timeout` passes, or the calling task is cancelled, the whole group gets
  ///   `stopSignal`, then `SIGKILL` after `killAfter`. Whatever the command leaves running
  ///   in its group when it exits is stopped the same way.
  ///
  /// ```swift
  /// let result = await context.run(.argv(["gofmt", "-l", "-w"] + batch.paths), timeout: .seconds(30))
  /// if !result.isSuccess { context.emit(.stageFailed, "gofmt \(result)") }
  /// ```
  ///
  /// - Parameters:
  ///   - command: a shell line (`.shell`, run by `/bin/sh -c`) or an argv (`.argv`, the
  ///     program looked up in `PATH`).
  ///   - environment: variables added to the pipeline's environment.
  ///   - workingDirectory: the folder it starts in, relative to ``root`` (or absolute).
  ///   - timeout: how long it may run; `nil` for no limit.
  ///   - stopSignal: the signal that stops it (on timeout, cancellation, or `pipeline`'s end).
  ///   - killAfter: how long it may take to stop before `SIGKILL`.
  ///   - onLine: called with each line of output as well, on the thread that reads every
  ///     process's output: collect or hand the line on, do not block there.
  /// - Returns: how it ended. A failure is a value, not an error.
  public func run(
    _ command: CommandSpec, environment: [String: String] = [:], workingDirectory: String = ".",
    timeout: Duration? = nil, stopSignal: ProcessSignal = .terminate, killAfter: Duration = .seconds(1),
    onLine: (@Sendable (OutputChannel, String) -> Void)? = nil
  ) async -> CommandResult {
    var launch: ProcessLaunch
    do {
      launch = try ProcessLaunch.resolving(
        command, environment: self.environment.merging(environment) { _, added in added },
        workingDirectory: absolutePath(workingDirectory))
    } catch {
      return .couldNotStart(error)
    }
    launch.stopSignal = stopSignal
    launch.killAfter = killAfter
    return await run(launch, timeout: timeout, onLine: onLine)
  }

  /// Runs a fully described process to its end: the lower-level form of
  /// ``run(_:environment:workingDirectory:timeout:stopSignal:killAfter:onLine:)``, for a stage
  /// that builds the environment itself. `launch.stopSignal` and `launch.killAfter` say how it
  /// is stopped.
  public func run(
    _ launch: ProcessLaunch, timeout: Duration? = nil, onLine: (@Sendable (OutputChannel, String) -> Void)? = nil
  ) async -> CommandResult {
    if Task.isCancelled { return .cancelled }
    let process: ChildProcess
    do {
      let context = self
      process = try ChildProcess.launch(launch) { channel, line in
        context.output(line, channel: channel)
        onLine?(channel, line)
      }
    } catch {
      return .couldNotStart(error)
    }
    let signal = launch.stopSignal, killAfter = launch.killAfter
    let timedOut = AtomicFlag()
    let killReported = AtomicFlag()
    let context = self
    /// Stops the group, and says so once when `kill_after` ran out and SIGKILL cut it short.
    @Sendable func stop() async {
      let result = await process.stopReporting(signal: signal, killAfter: killAfter)
      guard result.wasKilledAfterGrace, killReported.claim() else { return }
      context.emit(
        .warning,
        "the command (pid \(process.commandPID)) did not stop within kill_after (\(killAfter.humanText)) of \(signal) and was killed with SIGKILL",
        metadata: [
          "pid": String(process.commandPID), "kill_after": String(killAfter.seconds),
          "help": "if it needs longer to stop, raise kill_after on the stage; otherwise make it exit sooner on \(signal)",
        ])
    }
    let timer: Task<Void, Never>? = timeout.map { timeout in
      Task(executorPreference: EngineExecutor.here) {
        try? await EngineExecutor.sleep(for: timeout)
        guard !Task.isCancelled else { return }
        timedOut.set()
        await stop()
      }
    }
    let status = await withTaskCancellationHandler {
      await process.waitForExit()
    } onCancel: {
      Task(executorPreference: EngineExecutor.here) { await stop() }
    }
    timer?.cancel()
    // The command is done; whatever it left running goes with it: in its group, or in groups
    // of their own in its session (a stopped build's compilers), before the next run starts.
    await stop()
    await process.waitForOutput()
    if timedOut.isSet, let timeout { return .timedOut(timeout) }
    if Task.isCancelled { return .cancelled }
    return status.isSuccess ? .succeeded : .failed(status)
  }
}
