import PipelineCore

/// A stage run by a separate, long-lived program that speaks the external-stage protocol
/// (JSON lines on its standard input and output; see ``ExternalMessage``).
///
/// ```yaml
/// - stage: external
///   name: smoke
///   run: python3 smoke.py
///   config: { url: "http://127.0.0.1:8080/" }
///   timeout: 10s
/// ```
///
/// The program is started for the first batch and kept for the next ones. When it crashes,
/// does not answer within `timeout`, writes a line that is not a message, or speaks another
/// protocol version, the stage reports a failure naming itself, stops the program (its whole
/// process group), and starts it again for the next batch; the pipeline keeps running.
///
/// A batch that fails (a fault, a `pass: false` with a message, or one the program reported
/// failed with a `stage-failed` event of its own) is kept and merged into the next batch the
/// stage is given, as a command stage does: the files still broken are checked again, and a
/// later batch of other files cannot go on without them.
struct ExternalStage: Stage {
  struct Configuration: StageConfiguration {
    var process: ProcessOptions
    var expectedFolders: [ConfiguredFolder] { process.workingFolder.map { [$0] } ?? [] }
    var config: [String: JSONValue]
    var timeout: Duration

    init(options: StageOptions) throws {
      process = try ProcessOptions(
        options, subject: "program",
        runHelp: "The program that serves the stage: a string runs under /bin/sh -c, a list is an argv. It is started once and kept running.",
        defaultKillAfter: .seconds(1))
      config = try options.value(
        "config", default: ExternalConfig(),
        help: "The stage's own settings, handed to the program in its hello message as a JSON object: a mapping, whose values may be anything (text, numbers, booleans, lists, mappings).").values
      timeout = try options.value(
        "timeout", default: .seconds(30),
        help: "How long the program may take to answer hello or a batch before it counts as hung and is stopped.")
      if timeout <= .zero {
        try options.reject("timeout", "'timeout' must be longer than 0", help: "write a duration like 30s")
      }
    }
  }

  static let role = StageRole.action
  static let summary =
    "Runs a stage as a separate program that speaks JSON lines on stdin/stdout (Documentation/ExternalProtocol.md)."
  static let example = "- stage: external\n  name: smoke\n  run: python3 smoke.py\n  config: { url: \"http://127.0.0.1:8080/\" }"

  let configuration: Configuration
  let context: StageContext

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }

  func run(input: StageInput, output: StageOutput) async throws {
    var program: ExternalProgram?
    var nextID = 0
    let clock = ContinuousClock()
    // The changes of the batches that failed since the last one that passed.
    var failed: Batch?
    for await arrived in input {
      let batch = failed.map { $0.merging(arrived) } ?? arrived
      failed = nil
      nextID += 1
      let began = clock.now
      if let running = program, running.hasExited {
        // It ended between batches: start a fresh one.
        await running.stop()
        program = nil
      }
      if program == nil {
        switch await ExternalProgram.start(configuration, context: context) {
        case .success(let started): program = started
        case .failure(.interrupted):
          // The input's next turn ends the loop, and marks this batch handled.
          reportStopped(began: began)
          continue
        case .failure(let fault):
          report(fault, batch: batch, began: began)
          failed = batch
          continue
        }
      }
      guard let running = program else { continue }
      _ = running.takeAnnouncedSuccess()
      _ = running.takeAnnouncedFailure()
      switch await running.handle(id: nextID, batch: batch) {
      case .passed(let passed):
        // Listed in the cycle line like a built-in stage, unless the program said so itself.
        if !running.takeAnnouncedSuccess() {
          context.emit(.stageSucceeded, "\(context.name) passed the batch", metadata: ["duration": seconds(since: began)])
        }
        output.send(passed)
      case .stopped(let reason):
        // Without a message (or a failure event of its own), the program only filtered the
        // batch out: that batch is not kept.
        if let reason {
          context.emit(
            .stageFailed, "stage '\(context.name)': \(reason)", paths: batch.paths,
            metadata: ["status": "failed", "duration": seconds(since: began)])
          failed = batch
        } else if running.takeAnnouncedFailure() {
          failed = batch
        }
      case .fault(let fault):
        report(fault, batch: batch, began: began)
        failed = batch
        await running.stop()
        program = nil
      case .interrupted:
        // The input's next turn ends the loop, and marks this batch handled.
        reportStopped(began: began)
      }
    }
    await program?.shutdown()
  }

  private func seconds(since began: ContinuousClock.Instant) -> String {
    String(began.duration(to: ContinuousClock().now).seconds)
  }

  private func report(_ fault: ExternalFault, batch: Batch, began: ContinuousClock.Instant) {
    context.emit(
      .stageFailed,
      "stage '\(context.name)' (external: \(configuration.process.command)) \(fault); it is started again for the next batch",
      paths: batch.paths, metadata: ["status": fault.status, "duration": seconds(since: began)])
  }

  /// The pipeline began to stop while the program worked on a batch (or started): the cycle
  /// reads `NAME stopped before finishing`.
  private func reportStopped(began: ContinuousClock.Instant) {
    context.emit(
      .stageCancelled, "\(context.name) stopped: pipeline is stopping",
      metadata: ["duration": seconds(since: began), "reason": "stopping"])
  }
}
