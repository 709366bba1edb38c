import PipelineCore

/// The loop behind every command stage: one consumer of the stage's messages, so a batch
/// that arrives while the command runs is handled by the `on_busy` policy and no two runs
/// of the same stage ever overlap.
///
/// ```
///   batch ──▶ idle? ── yes ──▶ start run ──▶ finished ──▶ succeeded: send on
///               │                  ▲                      failed: keep the batch for
///               no                 │                              the next run
///               ▼                  │
///   restart: stop the run, merge, start again when it has stopped
///   queue:   merge into the next run       ignore: drop
/// ```
///
/// A failed run's batch is merged into the next run, so the changes of a broken build are
/// not lost when the fix arrives.
///
/// A batch that `when:` does not match is passed on without a run; while a run is in
/// progress (or about to restart) it is held back and passed on once no run is left, so it
/// never overtakes the run of the batch before it.
struct CommandStageRunner: Sendable {
  let configuration: CommandConfiguration
  let context: StageContext
  /// One run of the stage's work for a batch.
  let perform: @Sendable (Batch) async -> CommandOutcome

  /// A runner whose work is running the configured command.
  init(configuration: CommandConfiguration, context: StageContext) {
    let execution = CommandExecution(configuration: configuration, context: context)
    self.init(configuration: configuration, context: context, perform: { await execution.run(for: $0) })
  }

  /// A runner whose work is `perform` (which usually runs the command too), with the same
  /// `on_busy`, timeout and failure handling.
  init(
    configuration: CommandConfiguration, context: StageContext,
    perform: @escaping @Sendable (Batch) async -> CommandOutcome
  ) {
    self.configuration = configuration
    self.context = context
    self.perform = perform
  }

  private enum Message: Sendable {
    case batch(Batch)
    case finished(run: Int, CommandOutcome, Duration)
    case inputEnded
  }

  private struct Run {
    let id: Int
    let batch: Batch
    let tokens: Int
    /// Ends with the run's outcome and duration (also sent as a `finished` message).
    let task: Task<(CommandOutcome, Duration), Never>
  }

  func run(input: StageInput, output: StageOutput) async {
    let (messages, continuation) = AsyncStream<Message>.makeStream()
    let work = context.work
    let reader = Task(executorPreference: EngineExecutor.here) {
      for await batch in input {
        work.begin()
        continuation.yield(.batch(batch))
      }
      continuation.yield(.inputEnded)
    }
    defer { reader.cancel() }

    let perform = self.perform
    var running: Run?
    var pending: Batch?
    var pendingTokens = 0
    var failedBatch: Batch?
    var held: Batch?
    var heldTokens = 0
    var nextID = 0

    func passOn(_ batch: Batch, tokens: Int) {
      context.emit(
        .batchDropped, "skipped: no change matches when: [\(configuration.when.description)]", paths: batch.paths)
      output.send(batch)
      work.end(tokens)
    }

    func start(_ incoming: Batch, tokens: Int) {
      let batch = failedBatch.map { $0.merging(incoming) } ?? incoming
      failedBatch = nil
      nextID += 1
      let id = nextID
      if configuration.process.command.usesFilesPlaceholder, !batch.changes.contains(where: { $0.kind != .removed }) {
        // Nothing to hand to {files} (the startup batch, or only removals): nothing to run.
        context.emit(.batchDropped, "skipped: no changed file to pass to {files}", paths: batch.paths)
        let task = Task(executorPreference: EngineExecutor.here) { () -> (CommandOutcome, Duration) in
          continuation.yield(.finished(run: id, .skipped, .zero))
          return (.skipped, .zero)
        }
        running = Run(id: id, batch: batch, tokens: tokens, task: task)
        return
      }
      // `stage-started` comes from the work itself, which knows the command line as run.
      let task = Task(executorPreference: EngineExecutor.here) { () -> (CommandOutcome, Duration) in
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await perform(batch)
        let duration = started.duration(to: clock.now)
        continuation.yield(.finished(run: id, outcome, duration))
        return (outcome, duration)
      }
      running = Run(id: id, batch: batch, tokens: tokens, task: task)
    }

    for await message in messages {
      switch message {
      case .batch(let batch):
        if work.isShuttingDown {
          // Sent before the stop began, read after: once stopping, nothing new starts.
          work.end()
          continue
        }
        if !configuration.when.matches(batch) {
          if running == nil {
            passOn(batch, tokens: 1)
          } else {
            held = held.map { $0.merging(batch) } ?? batch
            heldTokens += 1
          }
          continue
        }
        guard let current = running else {
          start(batch, tokens: 1)
          continue
        }
        switch configuration.onBusy {
        case .ignore:
          // Shown without -v: the person who saved learns the save started nothing.
          context.emit(
            .batchDropped, "busy: ignored \(batch) (on_busy: ignore); save again once it is done to run it",
            paths: batch.paths, metadata: ["reason": "busy"])
          work.end()
        case .queue:
          pending = pending.map { $0.merging(batch) } ?? batch
          pendingTokens += 1
        case .restart:
          pending = pending.map { $0.merging(batch) } ?? batch
          pendingTokens += 1
          current.task.cancel()
        }

      case .finished(let id, let outcome, let duration):
        guard let finished = running, finished.id == id else { continue }
        running = nil
        report(outcome, duration: duration, batch: finished.batch, output: output, failedBatch: &failedBatch, pending: &pending)
        work.end(finished.tokens)
        if pending == nil, let waiting = held {
          held = nil
          passOn(waiting, tokens: heldTokens)
          heldTokens = 0
        }
        if let next = pending, !work.isShuttingDown {
          pending = nil
          let tokens = pendingTokens
          pendingTokens = 0
          start(next, tokens: tokens)
        }

      case .inputEnded:
        if let current = running {
          current.task.cancel()
          let (outcome, duration) = await current.task.value
          if case .cancelled = outcome {
            // The pipeline is stopping: the run is reported as stopped, so the cycle does not
            // read as if nothing had run.
            context.emit(
              .stageCancelled, "\(context.name) stopped: pipeline is stopping",
              metadata: ["duration": String(duration.seconds), "reason": "stopping"])
          } else {
            report(outcome, duration: duration, batch: current.batch, output: output, failedBatch: &failedBatch, pending: &pending)
          }
          work.end(current.tokens)
        }
        if pendingTokens > 0 { work.end(pendingTokens) }
        if heldTokens > 0 { work.end(heldTokens) }
        return
      }
    }
  }

  private func report(
    _ outcome: CommandOutcome, duration: Duration, batch: Batch, output: StageOutput,
    failedBatch: inout Batch?, pending: inout Batch?
  ) {
    let seconds = String(duration.seconds)
    switch outcome {
    case .skipped:
      output.send(batch)
    case .succeeded:
      context.emit(.stageSucceeded, "\(context.name) succeeded in \(duration.humanText)", metadata: ["duration": seconds])
      output.send(batch)
    case .cancelled:
      // The stopped run's changes go into the next run.
      pending = pending.map { batch.merging($0) } ?? batch
      context.emit(
        .stageCancelled, "\(context.name) restarted: newer changes arrived", metadata: ["duration": seconds, "reason": "newer-changes"])
    case .failed(let status, let command):
      fail(
        "stage '\(context.name)' (\(command)) \(status)", status: "\(status.shellStatus)", seconds: seconds,
        batch: batch, output: output, failedBatch: &failedBatch)
    case .timedOut(let command):
      fail(
        "stage '\(context.name)' (\(command)) timed out after \(configuration.timeout?.pipelineText ?? "?") and was stopped",
        status: "timeout", seconds: seconds, batch: batch, output: output, failedBatch: &failedBatch)
    case .couldNotStart(let reason):
      fail(
        "stage '\(context.name)' could not start: \(reason)", status: "not-started", seconds: seconds,
        batch: batch, output: output, failedBatch: &failedBatch)
    case .rejected(let reason):
      fail(
        "stage '\(context.name)' \(reason)", status: "rejected", seconds: seconds,
        batch: batch, output: output, failedBatch: &failedBatch)
    }
  }

  private func fail(
    _ message: String, status: String, seconds: String, batch: Batch, output: StageOutput,
    failedBatch: inout Batch?
  ) {
    if configuration.continueOnError {
      context.emit(
        .stageFailed, message + "; continuing (continue_on_error)", paths: batch.paths,
        metadata: ["duration": seconds, "status": status, "continued": "true"])
      output.send(batch)
    } else {
      context.emit(
        .stageFailed, message,
        paths: batch.paths, metadata: ["duration": seconds, "status": status])
      failedBatch = failedBatch.map { $0.merging(batch) } ?? batch
    }
  }
}
