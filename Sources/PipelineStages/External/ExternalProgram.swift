import Dispatch
import PipelineCore

/// One running instance of an external stage's program: started under the keeper like
/// every command, with its standard output read as protocol messages and its standard
/// error shown under the stage's name.
///
/// Everything the program does arrives in one stream (messages, bad lines, its exit, the
/// deadline of the current wait), so waiting for an answer is a single loop.
final class ExternalProgram {
  enum Outcome {
    /// The batch goes on (with the program's changes, when it gave some).
    case passed(Batch)
    /// The batch stops here; the program's reason, if it gave one.
    case stopped(String?)
    case fault(ExternalFault)
    /// The pipeline began to stop before the answer came.
    case interrupted
  }

  private enum Incoming: Sendable {
    case message(ExternalMessage)
    case garbage(ExternalProtocolError)
    /// A line longer than ``ExternalProtocol/maximumLineLength``: its start.
    case tooLong(String)
    case exited(TerminationStatus)
    case deadline(Int)
    /// The pipeline is stopping: a wait for an answer ends now.
    case stopping
  }

  private let process: ChildProcess
  private let configuration: ExternalStage.Configuration
  private var messages: AsyncStream<Incoming>.AsyncIterator
  private let continuation: AsyncStream<Incoming>.Continuation
  /// Writes go through one serial queue, so a program that stops reading blocks neither the
  /// stage nor its timeout.
  private let writer = DispatchQueue(label: "pipeline.external-stage.input")
  private var waits = 0
  private let work: WorkTracker
  private let shutdownHandler: Int
  /// Set by the program's own `stage-succeeded` and `stage-failed` events; read and cleared
  /// for each batch.
  private let announced: Announcements

  /// What the program said of its own batch through its events.
  private struct Announcements: Sendable {
    let success = AtomicFlag()
    let failure = AtomicFlag()
  }

  private init(
    process: ChildProcess, configuration: ExternalStage.Configuration, work: WorkTracker,
    announced: Announcements, stream: AsyncStream<Incoming>, continuation: AsyncStream<Incoming>.Continuation
  ) {
    self.process = process
    self.configuration = configuration
    self.work = work
    self.announced = announced
    self.messages = stream.makeAsyncIterator()
    self.continuation = continuation
    // A stage busy with a batch does not read its input, so its end would go unseen until
    // the answer or the timeout: the stop ends the wait instead.
    shutdownHandler = work.whenShuttingDown { continuation.yield(.stopping) }
  }

  /// Starts the program and exchanges `hello` and `ready`.
  static func start(_ configuration: ExternalStage.Configuration, context: StageContext) async -> Result<ExternalProgram, ExternalFault> {
    var environment = context.environment.merging(configuration.process.environment) { _, stage in stage }
    environment["PIPELINE_STAGE"] = context.name
    environment["PIPELINE_ROOT"] = context.root
    var launch: ProcessLaunch
    do {
      launch = try configuration.process.launch(configuration.process.command, environment: environment, context: context)
    } catch {
      return .failure(.couldNotStart(error.description))
    }
    launch.standardInput = .pipe
    // Past the limit by a few bytes, so that a piece of a longer line, cut between
    // characters, is still longer than the limit and read as too long.
    launch.standardOutputLineLimit = ExternalProtocol.maximumLineLength + 4
    let (stream, continuation) = AsyncStream<Incoming>.makeStream()
    let announced = Announcements()
    let process: ChildProcess
    do throws(LaunchError) {
      process = try ChildProcess.launch(launch) { channel, line in
        guard channel == .stdout else {
          context.output(line, channel: channel)
          return
        }
        guard line.utf8.count <= ExternalProtocol.maximumLineLength else {
          continuation.yield(.tooLong(String(line.prefix(80))))
          return
        }
        do throws(ExternalProtocolError) {
          let message = try ExternalMessage(line: line)
          if case .event(let kind, let text, let paths, let metadata) = message {
            if kind == .stageSucceeded { announced.success.set() }
            if kind == .stageFailed { announced.failure.set() }
            context.events.emit(Event(kind: kind, stage: context.name, message: text, paths: paths, metadata: metadata))
          } else {
            continuation.yield(.message(message))
          }
        } catch {
          continuation.yield(.garbage(error))
        }
      }
    } catch {
      return .failure(.couldNotStart(error.description))
    }
    Task {
      let status = await process.waitForExit()
      // Lines written just before the exit are handed over first.
      await process.waitForOutput()
      continuation.yield(.exited(status))
    }
    let program = ExternalProgram(
      process: process, configuration: configuration, work: context.work, announced: announced,
      stream: stream, continuation: continuation)
    program.send(.hello(
      protocolVersion: ExternalProtocol.version, stage: context.name, root: context.root,
      config: configuration.config))
    let during = "while starting (before answering hello)"
    switch await program.next() {
    case .message(.ready(let version)):
      guard version == ExternalProtocol.version else {
        await program.stop()
        return .failure(.wrongVersion(version))
      }
      return .success(program)
    case .message(.error(let message, let help)):
      await program.stop()
      return .failure(.refused(message: message, help: help))
    case .message(let other):
      await program.stop()
      return .failure(.garbage(ExternalProtocolError(line: other.line, reason: "expected a \"ready\" answer to hello")))
    case .garbage(let error):
      await program.stop()
      return .failure(.garbage(error))
    case .tooLong(let start):
      await program.stop()
      return .failure(.lineTooLong(start: start))
    case .exited(let status):
      await program.stop()
      return .failure(.exited(status, during: during))
    case .deadline, nil:
      await program.stop()
      return .failure(.timedOut(configuration.timeout, during: during))
    case .stopping:
      await program.shutdown()
      return .failure(.interrupted)
    }
  }

  /// Whether the program has exited.
  var hasExited: Bool { process.status != nil }

  /// Whether the program sent a `stage-succeeded` event of its own since the last call.
  func takeAnnouncedSuccess() -> Bool { announced.success.take() }

  /// Whether the program sent a `stage-failed` event of its own since the last call.
  func takeAnnouncedFailure() -> Bool { announced.failure.take() }

  /// Sends `batch` and waits for its `result`.
  func handle(id: Int, batch: Batch) async -> Outcome {
    send(.batch(id: id, batch))
    let during = "while handling a batch"
    switch await next() {
    case .message(.result(let answered, let pass, let changes, let message)):
      guard answered == id else {
        return .fault(.garbage(ExternalProtocolError(
          line: "result for batch \(answered)", reason: "expected the result of batch \(id)")))
      }
      guard pass else { return .stopped(message) }
      guard let changes else { return .passed(batch) }
      return .passed(Batch(changes, isStartup: batch.isStartup, isRescan: batch.isRescan, detectedAt: batch.detectedAt))
    case .message(.error(let message, let help)):
      return .fault(.refused(message: message, help: help))
    case .message(let other):
      return .fault(.garbage(ExternalProtocolError(line: other.line, reason: "expected the result of batch \(id)")))
    case .garbage(let error):
      return .fault(.garbage(error))
    case .tooLong(let start):
      return .fault(.lineTooLong(start: start))
    case .exited(let status):
      return .fault(.exited(status, during: during))
    case .deadline, nil:
      return .fault(.timedOut(configuration.timeout, during: during))
    case .stopping:
      return .interrupted
    }
  }

  /// Stops the program and its whole group now.
  func stop() async {
    work.removeShutdownHandler(shutdownHandler)
    process.closeInput()
    await process.stop(signal: configuration.process.signal, killAfter: configuration.process.killAfter)
    await process.waitForOutput()
  }

  /// The end of the pipeline: closes the program's input, lets it exit on its own for up to
  /// `kill_after`, then stops its group.
  func shutdown() async {
    process.closeInput()
    _ = await process.waitForExit(timeout: configuration.process.killAfter)
    await stop()
  }

  private func send(_ message: ExternalMessage) {
    let bytes = Array((message.line + "\n").utf8)
    let process = self.process
    writer.async { process.writeInput(bytes) }
  }

  /// The next thing that happens, or `.deadline` when `timeout` passes first.
  private func next() async -> Incoming? {
    waits += 1
    let token = waits
    let continuation = self.continuation
    let timeout = configuration.timeout
    let timer = Task {
      try? await Task.sleep(for: timeout)
      if !Task.isCancelled { continuation.yield(.deadline(token)) }
    }
    defer { timer.cancel() }
    while let incoming = await messages.next() {
      // A deadline left over from an earlier wait means nothing now.
      if case .deadline(let expired) = incoming, expired != token { continue }
      return incoming
    }
    return nil
  }
}
