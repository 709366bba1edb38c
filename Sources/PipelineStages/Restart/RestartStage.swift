import PipelineCore
import Synchronization

/// Supervises one long-running process — the app — and restarts it for every batch.
///
/// On each batch: send `signal` to the app's process group, wait up to `kill_after`, then
/// `SIGKILL` the group, wait until no process of it is left, and only then start the new
/// one: never two instances at once. Batches that arrive during a restart are merged into
/// one more restart. When the app exits on its own, its status is reported and the stage
/// waits for the next change.
///
/// ```yaml
/// - stage: restart
///   run: ./tmp/main
///   signal: SIGINT
///   kill_after: 500ms
/// ```
struct RestartStage: Stage {
  struct Configuration: StageConfiguration {
    var process: ProcessOptions

    init(options: StageOptions) throws {
      process = try ProcessOptions(
        options, subject: "app", runHelp: "The app: a string runs under /bin/sh -c, a list is an argv.",
        defaultKillAfter: .seconds(2))
    }
  }

  static let role = StageRole.action
  static let summary = "Runs the app and restarts it for each batch, one instance at a time."
  static let example = "- stage: restart\n  run: ./tmp/main\n  signal: SIGINT\n  kill_after: 500ms"

  let configuration: Configuration
  let context: StageContext

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }

  func run(input: StageInput, output: StageOutput) async throws {
    let mailbox = LatestBatchMailbox()
    let work = context.work
    let reader = Task {
      for await batch in input {
        work.begin()
        mailbox.put(batch)
      }
      mailbox.close()
    }
    defer { reader.cancel() }

    let supervisor = AppSupervisor(configuration: configuration, context: context)
    for await _ in mailbox.wakeUps {
      guard let (batch, count) = mailbox.take() else { continue }
      if await supervisor.restart(for: batch) { output.send(batch) }
      work.end(count)
    }
    if let (_, count) = mailbox.take() { work.end(count) }
    await supervisor.stop()
  }
}

/// The one app instance of a ``RestartStage``. Only the stage's loop calls it, one call at
/// a time.
final class AppSupervisor: Sendable {
  private struct Instance: Sendable {
    let process: ChildProcess
    /// Set when `pipeline` itself stops the instance, so its exit is not reported as a crash.
    let stopping: AtomicFlag
    let started: ContinuousClock.Instant
  }
  private let current = Mutex<Instance?>(nil)
  private let listFile = Mutex<CommandEnvironment?>(nil)
  private let configuration: RestartStage.Configuration
  private let context: StageContext

  init(configuration: RestartStage.Configuration, context: StageContext) {
    self.configuration = configuration
    self.context = context
  }

  /// Stops the running instance (if any) and starts a new one.
  /// - Returns: whether the new instance started.
  func restart(for batch: Batch) async -> Bool {
    let clock = ContinuousClock()
    let began = clock.now
    context.emit(.stageStarted, "restarting", paths: batch.paths)
    await stop()
    let command = configuration.process.command
    let process: ChildProcess
    do {
      // The app sees the batch as commands do; its list file stays until the next restart.
      let environment = try CommandEnvironment(
        context: context, stageEnvironment: configuration.process.environment, batch: batch)
      replaceListFile(with: environment)
      let launch = try ProcessLaunch.resolving(
        command, environment: environment.variables,
        workingDirectory: context.absolutePath(configuration.process.workingDirectory))
      let context = self.context
      process = try ChildProcess.launch(launch) { channel, line in context.output(line, channel: channel) }
    } catch {
      let seconds = String(began.duration(to: clock.now).seconds)
      context.emit(
        .stageFailed, "stage '\(context.name)' could not start the app: \(error)",
        metadata: ["duration": seconds, "status": "not-started"])
      return false
    }
    let instance = Instance(process: process, stopping: AtomicFlag(), started: clock.now)
    current.withLock { $0 = instance }
    context.emit(
      .appStarted, "started \(command) (pid \(process.pid))",
      metadata: ["pid": String(process.pid), "command": command.description])
    watchForExit(instance)
    context.emit(
      .stageSucceeded, "restarted in \(began.duration(to: clock.now).humanText)",
      metadata: ["duration": String(began.duration(to: clock.now).seconds)])
    return true
  }

  /// Stops the running instance, if any, and waits until its whole group is gone.
  func stop() async {
    guard let instance = current.withLock({ current -> Instance? in
      defer { current = nil }
      return current
    }) else { return }
    instance.stopping.set()
    let pid = String(instance.process.pid)
    let clock = ContinuousClock()
    let began = clock.now
    if instance.process.status == nil || instance.process.isGroupAlive {
      context.emit(
        .appStopping, "stopping pid \(pid) with \(configuration.process.signal)",
        metadata: ["pid": pid, "signal": configuration.process.signal.name])
    }
    let status = await instance.process.stop(signal: configuration.process.signal, killAfter: configuration.process.killAfter)
    await instance.process.waitForOutput(timeout: .milliseconds(200))
    context.emit(
      .appStopped, "pid \(pid) \(status) after \(began.duration(to: clock.now).humanText)",
      metadata: ["pid": pid, "status": String(status.shellStatus), "duration": String(began.duration(to: clock.now).seconds)])
  }

  private func replaceListFile(with environment: CommandEnvironment) {
    listFile.withLock { current in
      current?.cleanUp()
      current = environment
    }
  }

  private func watchForExit(_ instance: Instance) {
    let context = self.context
    Task {
      let status = await instance.process.waitForExit()
      guard !instance.stopping.isSet else { return }
      let ran = instance.started.duration(to: ContinuousClock().now)
      await instance.process.waitForOutput(timeout: .milliseconds(200))
      guard !instance.stopping.isSet else { return }
      context.emit(
        .appExited, "app \(status) after \(ran.humanText); waiting for the next change",
        metadata: ["pid": String(instance.process.pid), "status": String(status.shellStatus)])
    }
  }
}
