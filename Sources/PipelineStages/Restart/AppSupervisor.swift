import PipelineCore
import Synchronization

/// How one restart request ended.
enum RestartOutcome: Sendable, Equatable {
  /// A new instance runs (and is ready, when a ready check is set).
  case restarted
  /// The artifact did not change: the running instance was kept.
  case kept
  /// No instance could be started, or it died before it was ready.
  case failed
  /// The pipeline is stopping: no instance was started, or the wait for `ready` was cut off.
  case stopped
}

/// The one app instance of a ``RestartStage``. Only the stage's loop calls ``restart(for:)``
/// and ``stop()``, one call at a time; that is what makes two instances impossible.
final class AppSupervisor: Sendable {
  private struct Instance: Sendable {
    let process: ChildProcess
    /// Set when `pipeline` itself stops the instance, so its exit is not reported as a crash.
    let stopping: AtomicFlag
    let started: ContinuousClock.Instant
    let artifact: ArtifactFingerprint?
    /// Opened when a line of its output matches the `ready` pattern.
    let readiness: Latch
  }
  private struct State: Sendable {
    var current: Instance?
    var backoff: RestartBackoff
    var pendingRestart: Task<Void, Never>?
  }
  private let state: Mutex<State>
  private let configuration: RestartStage.Configuration
  private let context: StageContext
  private let socket: Int32?
  private let requestRestart: @Sendable () -> Void
  private let input: InputForwarder?
  /// The app's `PIPELINE_CHANGED_FILES_LIST`, replaced at each restart.
  private let listFiles = ChangedFilesList()
  /// Opened when the stage's input ends: the pipeline is stopping. From then on no instance
  /// starts, and a wait for `ready` ends at once.
  private let stopping = Latch()

  /// - Parameters:
  ///   - socket: the listening socket each instance gets (from `socket:`).
  ///   - requestRestart: asks the stage's loop for a restart without a batch (`on_exit: restart`).
  init(
    configuration: RestartStage.Configuration, context: StageContext, socket: Int32?,
    requestRestart: @escaping @Sendable () -> Void
  ) {
    self.configuration = configuration
    self.context = context
    self.socket = socket
    self.requestRestart = requestRestart
    state = Mutex(State(backoff: RestartBackoff(initial: configuration.backoff, cap: configuration.maxBackoff)))
    input = configuration.forwardsInput ? InputForwarder() : nil
    input?.start()
  }

  /// The pipeline is stopping (the stage's input ended): a restart under way starts no new
  /// instance and stops waiting for `ready`; later ones do nothing. ``stop()`` then stops
  /// what runs.
  func beginStopping() { stopping.open() }

  private var isStopping: Bool { stopping.isOpen || context.work.isShuttingDown }

  /// Stops the running instance (if any) and starts a new one — or keeps it, when the
  /// artifact is unchanged.
  ///
  /// - Parameter batch: what changed; `nil` for an automatic restart after an exit.
  func restart(for batch: Batch?) async -> RestartOutcome {
    let clock = ContinuousClock()
    let began = clock.now
    cancelPendingRestart()
    if isStopping { return .stopped }
    let fingerprint = configuration.artifact.flatMap { ArtifactFingerprint(path: context.absolutePath($0)) }
    if let batch, !batch.isStartup, let fingerprint, let running = state.withLock({ $0.current }),
      running.process.status == nil, running.artifact == fingerprint
    {
      let artifact = configuration.artifact ?? ""
      context.emit(
        .appKept, "\(artifact) is unchanged: the running app (pid \(running.process.commandPID)) is kept",
        metadata: ["pid": String(running.process.commandPID), "artifact": artifact])
      context.emit(
        .stageSucceeded, "kept the running app", metadata: ["duration": String(began.duration(to: clock.now).seconds), "kept": "true"])
      return .kept
    }

    context.emit(.stageStarted, batch == nil ? "restarting after the app exited" : "restarting", paths: batch?.paths ?? [])
    // Made ready while the old instance shuts down, so that between its end and the new start
    // there is only the spawn, and its stop signal is not held back by the preparation: the
    // child task runs on this thread once `stop` has signalled the old group and waits.
    async let prepared = prepareLaunch(for: batch ?? Batch())
    await stop(cancelling: false)
    let launch = await prepared
    if isStopping {
      // Stopping began while the old instance shut down: no new one now.
      reportStopped("before starting the app", began: began)
      return .stopped
    }
    let portTaken = configuration.ready.map(isPortTakenBeforeStart) ?? false
    guard let instance = start(launch, fingerprint: fingerprint, began: began) else { return .failed }

    if let check = configuration.ready {
      switch await waitUntilReady(instance, check: check, portTaken: portTaken) {
      case .ready:
        let sinceStart = instance.started.duration(to: clock.now)
        let sinceChange = batch?.detectedAt.map { $0.duration(to: clock.now) }
        context.emit(
          .appReady,
          "ready \(sinceStart.humanText) after start" + (sinceChange.map { ", \($0.humanText) after the change" } ?? "") + " (\(check))",
          metadata: ["pid": String(instance.process.commandPID), "since_start": String(sinceStart.seconds)]
            .merging(sinceChange.map { ["since_change": String($0.seconds)] } ?? [:]) { $1 })
      case .exited(let status):
        context.emit(
          .stageFailed, "the app \(status) before it was ready (\(check))",
          metadata: ["duration": String(began.duration(to: clock.now).seconds), "status": String(status.shellStatus)])
        return .failed
      case .timedOut:
        context.emit(.warning, "the app is not ready after \(check.timeout.humanText) (waiting for: \(check)); carrying on")
      case .stopping:
        reportStopped("while waiting for the app to be ready (\(check))", began: began)
        return .stopped
      }
    }
    context.emit(
      .stageSucceeded, "restarted in \(began.duration(to: clock.now).humanText)",
      metadata: ["duration": String(began.duration(to: clock.now).seconds)])
    return .restarted
  }

  /// Stops the running instance, if any, and waits until its whole group is gone; gives
  /// `pipeline`'s standard input back.
  func stop() async {
    await stop(cancelling: true)
    input?.stop()
  }

  /// The restart under way ends without a ready instance because the pipeline is stopping:
  /// a `stage-cancelled` event, so the cycle reads `restart stopped before finishing`.
  private func reportStopped(_ when: String, began: ContinuousClock.Instant) {
    context.emit(
      .stageCancelled, "\(context.name) stopped \(when): pipeline is stopping",
      metadata: ["duration": String(began.duration(to: ContinuousClock().now).seconds), "reason": "stopping"])
  }

  // MARK: - Starting

  /// The new instance's launch for `batch`: its program found, its environment and its
  /// changed-files list written. The app sees the batch as commands do; its list file stays
  /// until the next restart begins.
  private func prepareLaunch(for batch: Batch) -> Result<ProcessLaunch, any Error> {
    Result {
      let environment = try CommandEnvironment(
        context: context, stageEnvironment: configuration.process.environment, batch: batch,
        listFiles: listFiles)
      var launch = try configuration.process.launch(
        configuration.process.command, environment: environment.variables, context: context)
      launch.listeningSocket = socket
      launch.standardInput = input == nil ? .null : .pipe
      return launch
    }
  }

  private func start(
    _ prepared: Result<ProcessLaunch, any Error>, fingerprint: ArtifactFingerprint?, began: ContinuousClock.Instant
  ) -> Instance? {
    let clock = ContinuousClock()
    let command = configuration.process.command
    let readiness = Latch()
    let context = self.context
    // The `started` line goes out before anything the new instance writes.
    let started = StartedLineGate { channel, line in context.output(line, channel: channel) }
    let process: ChildProcess
    do {
      let launch = try prepared.get()
      let check = configuration.ready
      process = try ChildProcess.launch(launch) { channel, line in
        started.pass(line, channel: channel)
        if let check, !readiness.isOpen, check.matches(line) { readiness.open() }
      }
    } catch {
      context.emit(
        .stageFailed, "stage '\(context.name)' could not start the app: \(Diagnostic.inlineText(of: error))",
        metadata: ["duration": String(began.duration(to: clock.now).seconds), "status": "not-started"])
      return nil
    }
    let instance = Instance(process: process, stopping: AtomicFlag(), started: clock.now, artifact: fingerprint, readiness: readiness)
    state.withLock { $0.current = instance }
    input?.attach(process)
    let socketNote = configuration.socket.map { ", socket \($0) as fd 3" } ?? ""
    started.open {
      context.emit(
        .appStarted, "started \(command) (pid \(process.commandPID)\(socketNote))",
        metadata: ["pid": String(process.commandPID), "command": command.description])
    }
    watchForExit(instance)
    return instance
  }

  private enum ReadyResult: Sendable {
    case ready
    case exited(TerminationStatus)
    case timedOut
    case stopping
  }

  /// Whether the `ready` port of this machine already accepts connections, with no instance
  /// running: another process holds it. A connection then proves nothing about the app, and it
  /// may well fail to listen; a warning names the holder.
  private func isPortTakenBeforeStart(_ check: ReadyCheck) -> Bool {
    guard case .port(let host, let port) = check.condition, PortHolders.isLocal(host),
      ReadyCheck.accepts(host: host, port: port)
    else { return false }
    let holders = PortHolders.holders(of: PortHolders.listeningSockets(on: port))
    let named = holders.map { "pid \($0.pid)" + ($0.name.isEmpty ? "" : " \($0.name)") }
    context.emit(
      .warning,
      "port \(port) already accepts connections before the app starts: another process holds it"
        + (named.isEmpty ? "" : " (\(named.joined(separator: ", ")))")
        + "; the app counts as ready only once it listens there itself",
      metadata: [
        "port": String(port),
        "help": "stop the process that holds port \(port) (ss -ltnp 'sport = :\(port)' shows it), or give the app and ready another port",
      ])
    return true
  }

  /// - Parameter portTaken: The check's port was taken before the start
  ///   (``isPortTakenBeforeStart(_:)``): a connection counts only when the app's own group listens.
  private func waitUntilReady(_ instance: Instance, check: ReadyCheck, portTaken: Bool) async -> ReadyResult {
    await withTaskGroup(of: ReadyResult?.self) { group in
      group.addTask {
        switch check.condition {
        case .output:
          await instance.readiness.wait()
          return Task.isCancelled ? nil : .ready
        case .port(let host, let port):
          var pause = Duration.milliseconds(5)
          while !Task.isCancelled {
            if ReadyCheck.accepts(host: host, port: port),
              !portTaken || PortHolders.groupListens(instance.process.pid, on: port)
            {
              return .ready
            }
            try? await EngineExecutor.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(100))
          }
          return nil
        }
      }
      group.addTask {
        let status = await instance.process.waitForExit(timeout: check.timeout + .seconds(1))
        guard let status, !Task.isCancelled else { return nil }
        // Lines written just before the exit may still be on their way.
        await instance.process.waitForOutput(timeout: .milliseconds(200))
        return instance.readiness.isOpen ? .ready : .exited(status)
      }
      group.addTask {
        try? await EngineExecutor.sleep(for: check.timeout)
        return Task.isCancelled ? nil : .timedOut
      }
      let stopping = self.stopping
      group.addTask {
        await stopping.wait()
        return Task.isCancelled ? nil : .stopping
      }
      var result: ReadyResult = .timedOut
      while let next = await group.next() {
        if let next {
          result = next
          break
        }
      }
      group.cancelAll()
      instance.readiness.open()  // no line needs matching any more
      return result
    }
  }

  // MARK: - Stopping and exits

  private func stop(cancelling: Bool) async {
    if cancelling { cancelPendingRestart() }
    input?.detach()
    guard let instance = state.withLock({ state -> Instance? in
      defer { state.current = nil }
      return state.current
    }) else { return }
    instance.stopping.set()
    let pid = String(instance.process.commandPID)
    let clock = ContinuousClock()
    let began = clock.now
    if instance.process.status == nil || instance.process.isGroupAlive {
      context.emit(
        .appStopping, "stopping pid \(pid) with \(configuration.process.signal)",
        metadata: ["pid": pid, "signal": configuration.process.signal.name])
    }
    let signal = configuration.process.signal
    let killAfter = configuration.process.killAfter
    let result = await instance.process.stopReporting(signal: signal, killAfter: killAfter)
    await instance.process.waitForOutput(timeout: .milliseconds(200))
    context.emit(
      .appStopped, "pid \(pid) \(result.status) after \(began.duration(to: clock.now).humanText)",
      metadata: ["pid": pid, "status": String(result.status.shellStatus), "duration": String(began.duration(to: clock.now).seconds)])
    if result.wasKilledAfterGrace {
      // Shown without -v: the app's shutdown handler did not get to finish.
      context.emit(
        .warning,
        "the app (pid \(pid)) did not stop within kill_after (\(killAfter.humanText)) of \(signal) and was killed with SIGKILL: its shutdown was cut short",
        metadata: [
          "pid": pid, "kill_after": String(killAfter.seconds),
          "help": "if the app needs longer to shut down, raise kill_after on the restart stage; otherwise make it exit sooner on \(signal)",
        ])
    }
  }

  private func cancelPendingRestart() {
    state.withLock { state in
      state.pendingRestart?.cancel()
      state.pendingRestart = nil
    }
  }

  private func watchForExit(_ instance: Instance) {
    let context = self.context
    let command = configuration.process.command
    let policy = configuration.onExit
    Task(executorPreference: EngineExecutor.here) {
      let status = await instance.process.waitForExit()
      guard !instance.stopping.isSet else { return }
      let ran = instance.started.duration(to: ContinuousClock().now)
      await instance.process.waitForOutput(timeout: .milliseconds(200))
      guard !instance.stopping.isSet else { return }
      var metadata = ["pid": String(instance.process.commandPID), "status": String(status.shellStatus), "ran": String(ran.seconds)]
      if let help = ShellExitHint.help(for: status, command: command) { metadata["help"] = help }
      guard policy == .restart else {
        context.emit(.appExited, "app \(status) after \(ran.humanText); waiting for the next change", metadata: metadata)
        return
      }
      self.scheduleRestart(after: instance, status: status, ran: ran, metadata: metadata)
    }
  }

  private func scheduleRestart(after instance: Instance, status: TerminationStatus, ran: Duration, metadata: [String: String]) {
    let requestRestart = self.requestRestart
    state.withLock { state in
      // A change may have replaced the instance meanwhile: then there is nothing to restart.
      guard state.current?.process.pid == instance.process.pid else { return }
      let delay = state.backoff.delay(afterRunning: ran)
      let streak = state.backoff.crashes
      let note = streak > 1 ? " (\(streak) exits in a row)" : ""
      context.emit(
        .appExited, "app \(status) after \(ran.humanText); restarting in \(delay.humanText)\(note)",
        metadata: metadata.merging(["restart_in": String(delay.seconds), "streak": String(streak)]) { $1 })
      state.pendingRestart?.cancel()
      state.pendingRestart = Task(executorPreference: EngineExecutor.here) {
        try? await EngineExecutor.sleep(for: delay)
        if !Task.isCancelled { requestRestart() }
      }
    }
  }
}
