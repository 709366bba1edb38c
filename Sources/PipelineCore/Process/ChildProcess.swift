import CPipelineSystem
import FoundationEssentials
@preconcurrency import Glibc
import Synchronization

/// Which output stream a line came from.
public enum OutputChannel: String, Sendable {
  case stdout
  case stderr
}

/// A process `pipeline` started, leading its own process group.
///
/// Output is read by the ``OutputPump``, one thread for every process's, and handed over
/// line by line; a last line without a newline is handed over when the stream ends, so
/// nothing is lost when a process dies mid-line. The exit status comes from the keeper, which reaps the command and reports it
/// (see ``ProcessKeeper``); without a keeper, it is awaited on a dedicated thread with
/// `waitpid(pid)` — never `waitpid(-1)`, which would steal other code's children.
///
/// Stopping signals the whole group (``stop(signal:killAfter:)``), so the children of a shell
/// wrapper, `go run` or `npm start` stop too, and returns only when no process of the group
/// is left.
public final class ChildProcess: Sendable {
  /// The command's pid, which is also its process group id: stopping signals this whole
  /// group.
  public let pid: pid_t
  /// The pid of the command itself, as the command sees it (`$$`): the same as ``pid``
  /// since the keeper became a spawn server; kept for the callers that name the command.
  public var commandPID: pid_t { pid }
  /// The signal and grace period the keeper uses for this group when `pipeline` is gone;
  /// `pipeline` uses them too when the keeper is gone.
  private let stopSignal: ProcessSignal
  private let killAfter: Duration

  private struct State {
    var status: TerminationStatus?
    var exitWaiters: [Int: CheckedContinuation<TerminationStatus?, Never>] = [:]
    var outputDone = false
    var outputWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiter = 0
    /// Seen empty after the leader was reaped: for good, since an empty group cannot be
    /// joined, and its number, free again, must not be looked at (it may be a stranger's).
    var isGroupGone = false
    /// A stop has sent its first signal: a second stop (a cancellation, then the clean-up
    /// of what the command left) does not send it again.
    var stopSignalSent = false
    /// The groups of the command's session that a stop has sent its first signal to, for
    /// the same reason.
    var leftBehindGroupsSignalled: Set<pid_t> = []
  }
  private let state = Mutex(State())
  private let inputWriter: Mutex<Int32?>

  private init(pid: pid_t, inputWriter: Int32?, keeper: pid_t?, launch: ProcessLaunch) {
    self.pid = pid
    self.inputWriter = Mutex(inputWriter)
    self.keeper = keeper
    stopSignal = launch.stopSignal
    killAfter = launch.killAfter
  }

  /// Starts a process in a new process group, through the keeper (see ``ProcessKeeper``)
  /// when there is one. The first call starts the keeper; when the keeper has died, the
  /// call starts a new one.
  ///
  /// - Parameters:
  ///   - launch: what to start.
  ///   - onLine: called with every line of output (without its newline), in order per
  ///     channel, on the thread that reads every process's output: it must not block.
  public static func launch(
    _ launch: ProcessLaunch, onLine: @escaping @Sendable (OutputChannel, String) -> Void
  ) throws(LaunchError) -> ChildProcess {
    let server = try ProcessKeeper.server()
    do {
      return try self.launch(launch, server: server, onLine: onLine)
    } catch {
      // The keeper died under this very request: once more, with a new one.
      guard let server, !server.isConnected, let fresh = try ProcessKeeper.server() else { throw error }
      return try self.launch(launch, server: fresh, onLine: onLine)
    }
  }

  /// Starts a process through `server`, or directly (without a keeper) when it is `nil`.
  /// Tests pass a keeper of their own, to play the part of a `pipeline` that dies.
  package static func launch(
    _ launch: ProcessLaunch, server: SpawnServer?, onLine: @escaping @Sendable (OutputChannel, String) -> Void
  ) throws(LaunchError) -> ChildProcess {
    let spawn = try Spawn(launch, server: server)
    let process = ChildProcess(pid: spawn.pid, inputWriter: spawn.inputWriter, keeper: server?.pid, launch: launch)
    LiveProcessGroups.shared.insert(spawn.pid)
    let outFD = spawn.outputReader, errFD = spawn.errorReader
    OutputPump.shared.read(
      stdout: outFD, stderr: errFD, standardOutputLineLimit: launch.standardOutputLineLimit, onLine: onLine
    ) { [process] in process.finishOutput() }
    if let server {
      server.attach(process)
    } else {
      startDetachedThread(named: "pipeline-reap") { [process] in
        process.reap()
      }
    }
    return process
  }

  /// Whether the process runs under a keeper, so that it dies with `pipeline`.
  public var isKept: Bool { keeper != nil }
  /// The pid of the keeper that started it: its children are where what the command left
  /// in groups of their own turns up (see ``LeftBehindGroups``).
  private let keeper: pid_t?

  /// Writes `bytes` to the process's standard input, when it was launched with
  /// `standardInput: .pipe`. Fails quietly once the process has stopped reading.
  public func writeInput(_ bytes: [UInt8]) {
    guard let fd = inputWriter.withLock({ $0 }) else { return }
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
  }

  /// Closes the process's standard input (it then reads end of file).
  public func closeInput() {
    if let fd = inputWriter.withLock({ fd -> Int32? in defer { fd = nil }; return fd }) { close(fd) }
  }

  /// The status, once the process has exited and been reaped.
  public var status: TerminationStatus? { state.withLock { $0.status } }

  /// Waits until the process (the group leader) exits.
  public func waitForExit() async -> TerminationStatus {
    // A `nil` can only come from a cancelled wait; report the forced status then.
    await waitForExit(cancellable: false) ?? .signaled(.kill)
  }

  /// Waits for the exit at most `timeout`; `nil` when it did not happen in time.
  public func waitForExit(timeout: Duration) async -> TerminationStatus? {
    await waitForExit(cancellable: true, timeout: timeout) ?? status
  }

  /// Sends `signal` to the command alone (not its group).
  public func signal(_ signal: ProcessSignal) {
    _ = kill(commandPID, signal.number)
  }

  /// Sends `signal` to every process of the group.
  public func signalGroup(_ signal: ProcessSignal) {
    _ = kill(-pid, signal.number)
  }

  /// Whether any living (not zombie) process of the group is left.
  public var isGroupAlive: Bool {
    if state.withLock({ $0.isGroupGone }) { return false }
    let alive = ProcessTable.groupHasLivingMember(pid)
    // Once the leader is reaped and the group is empty, the id may be reused: forget it,
    // so that a final killAll() cannot hit a stranger's group.
    if !alive, state.withLock({ state in
      if state.status != nil { state.isGroupGone = true }
      return state.isGroupGone
    }) {
      LiveProcessGroups.shared.remove(pid)
    }
    return alive
  }

  /// Stops the whole group: `signal` first, then `SIGKILL` for whatever is left after
  /// `killAfter`, and returns once the leader is reaped and no process of the group is left.
  /// Then the same for each group the command's processes made in its session (see
  /// ``LeftBehindGroups``), each with a grace period of its own.
  ///
  /// - Returns: the leader's status.
  @discardableResult
  public func stop(signal: ProcessSignal, killAfter: Duration) async -> TerminationStatus {
    await stopReporting(signal: signal, killAfter: killAfter).status
  }

  /// Stops the whole group as ``stop(signal:killAfter:)`` does, and also says whether
  /// `killAfter` ran out, so that the group got `SIGKILL` in the middle of its shutdown.
  public func stopReporting(signal: ProcessSignal, killAfter: Duration) async -> StopResult {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: killAfter)
    let wasRunning = status == nil || isGroupAlive
    let signalled = state.withLock { state -> Bool in
      defer { state.stopSignalSent = true }
      return state.stopSignalSent
    }
    // A stop under way has sent it: once is what a program that catches it expects.
    if wasRunning && !(signalled && signal != .kill) { signalGroup(signal) }
    if signal != .kill, await waitForGroupExit(until: deadline) {
      await stopLeftBehindGroups(signal: signal, killAfter: killAfter)
      return StopResult(status: await waitForExit(), wasKilledAfterGrace: false)
    }
    signalGroup(.kill)
    _ = await waitForGroupExit(until: clock.now.advanced(by: .seconds(10)))
    await stopLeftBehindGroups(signal: .kill, killAfter: .zero)
    return StopResult(status: await waitForExit(), wasKilledAfterGrace: wasRunning && signal != .kill)
  }

  /// Stops the groups the command's processes made in its session, once its own group is
  /// gone (``LeftBehindGroups/stop(_:session:keeper:signal:killAfter:claim:)``), on a thread of
  /// its own when there are any: looking costs tens of microseconds, stopping them may take
  /// `killAfter`.
  private func stopLeftBehindGroups(signal: ProcessSignal, killAfter: Duration) async {
    let groups = LeftBehindGroups.find(session: pid, keeper: keeper)
    guard !groups.isEmpty else { return }
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
      startDetachedThread(named: "pipeline-stop") { [self] in
        stopLeftBehindGroupsNow(groups, keeper: keeper, signal: signal, killAfter: killAfter)
        done.resume()
      }
    }
  }

  /// ``LeftBehindGroups/stop(_:session:keeper:signal:killAfter:claim:)`` for this command,
  /// each group signalled once whichever stop finds it first.
  private func stopLeftBehindGroupsNow(_ groups: Set<pid_t>, keeper: pid_t?, signal: ProcessSignal, killAfter: Duration) {
    LeftBehindGroups.stop(groups, session: pid, keeper: keeper, signal: signal, killAfter: killAfter) { found in
      state.withLock { state in
        defer { state.leftBehindGroupsSignalled.formUnion(found) }
        return found.subtracting(state.leftBehindGroupsSignalled)
      }
    }
  }

  /// Waits until the leader is reaped and the group is empty, or `deadline` passes.
  /// - Returns: `true` when everything is gone.
  public func waitForGroupExit(until deadline: ContinuousClock.Instant) async -> Bool {
    let clock = ContinuousClock()
    if status == nil {
      let remaining = clock.now.duration(to: deadline)
      guard remaining > .zero, await waitForExit(timeout: remaining) != nil else { return false }
    }
    // The leader is gone; grandchildren may linger in the group a little longer.
    var pause = Duration.microseconds(200)
    while isGroupAlive {
      guard clock.now < deadline else { return false }
      try? await EngineExecutor.sleep(for: pause)
      pause = min(pause * 2, .milliseconds(10))
    }
    LiveProcessGroups.shared.remove(pid)
    return true
  }

  /// Waits until every line of output has been handed over (all writers of the pipes have
  /// closed them), at most `timeout`.
  public func waitForOutput(timeout: Duration = .seconds(1)) async {
    await waitForOutputEnd(timeout: timeout)
  }

  // MARK: - Internals

  // The waits below are one continuation each, resumed by whichever comes first: the event
  // or, with a timeout, a timer. Not a task group racing a sleeping task: on the path from a
  // command's end to the next command's start, every task started and resumed is a hop to
  // another thread, and each costs tens of microseconds on a busy machine.

  private func waitForExit(cancellable: Bool, timeout: Duration? = nil) async -> TerminationStatus? {
    let id = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    let timer = PendingTimer()
    defer { timer.cancel() }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<TerminationStatus?, Never>) in
        let resumeNow: TerminationStatus?? = state.withLock { state in
          if let status = state.status { return .some(status) }
          if cancellable, Task.isCancelled { return .some(nil) }
          state.exitWaiters[id] = continuation
          return .none
        }
        if let value = resumeNow {
          continuation.resume(returning: value)
        } else if let timeout {
          timer.start(after: timeout) { [self] in
            let waiter = state.withLock { $0.exitWaiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
          }
        }
      }
    } onCancel: {
      guard cancellable else { return }
      let waiter = state.withLock { $0.exitWaiters.removeValue(forKey: id) }
      waiter?.resume(returning: nil)
    }
  }

  private func waitForOutputEnd(timeout: Duration) async {
    let id = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    let timer = PendingTimer()
    defer { timer.cancel() }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let done = state.withLock { state -> Bool in
          if state.outputDone || Task.isCancelled { return true }
          state.outputWaiters[id] = continuation
          return false
        }
        if done {
          continuation.resume()
        } else {
          timer.start(after: timeout) { [self] in
            let waiter = state.withLock { $0.outputWaiters.removeValue(forKey: id) }
            waiter?.resume()
          }
        }
      }
    } onCancel: {
      let waiter = state.withLock { $0.outputWaiters.removeValue(forKey: id) }
      waiter?.resume()
    }
  }

  /// The timeout of one wait, kept by the engine's thread (a Dispatch timer would start
  /// libdispatch's pool, and its once-a-second monitor with it), and dropped when the wait
  /// ends first: a timer left pending would wake the engine for nothing, `kill_after` later.
  private final class PendingTimer: Sendable {
    private let id = Atomic<UInt64>(0)
    /// Runs `body` on the engine's thread once `delay` has passed, unless cancelled first.
    func start(after delay: Duration, _ body: @escaping @Sendable () -> Void) {
      id.store(EngineExecutor.shared.schedule(after: delay, body), ordering: .relaxed)
    }
    func cancel() {
      let timer = id.exchange(0, ordering: .relaxed)
      if timer != 0 { EngineExecutor.shared.cancelTimer(timer) }
    }
  }

  /// Without a keeper: waits for the command itself.
  private func reap() {
    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) < 0 {
      if errno != EINTR { break }
    }
    finish(TerminationStatus(waitStatus: raw))
  }

  /// Records the command's end (reported by the keeper, or reaped here) and wakes the waiters.
  func finish(_ status: TerminationStatus) {
    let waiters = state.withLock { state -> [CheckedContinuation<TerminationStatus?, Never>] in
      guard state.status == nil else { return [] }
      state.status = status
      defer { state.exitWaiters = [:] }
      return Array(state.exitWaiters.values)
    }
    _ = isGroupAlive  // forgets the group at once if it is empty
    closeInput()
    for waiter in waiters { waiter.resume(returning: status) }
  }

  /// The keeper that started the command is gone, and its status with it. With `cut` (a
  /// test played the death of `pipeline`), the keeper is stopping the group: wait until it
  /// is gone. Otherwise `pipeline` does what the keeper would have done: the stop signal,
  /// `killAfter`, then `SIGKILL`, since nothing would stop the group if `pipeline` died.
  /// Either way the command counts as killed by `SIGKILL`.
  func keeperLost(cut: Bool) {
    startDetachedThread(named: "pipeline-reap") { [self] in
      let clock = ContinuousClock()
      func waitForEmptyGroup(until deadline: ContinuousClock.Instant) -> Bool {
        var pause: UInt32 = 200
        while ProcessTable.groupHasLivingMember(pid) {
          guard clock.now < deadline else { return false }
          usleep(pause)
          pause = min(pause * 2, 20_000)
        }
        return true
      }
      if cut {
        _ = waitForEmptyGroup(until: clock.now.advanced(by: killAfter + .seconds(30)))
      } else {
        signalGroup(stopSignal)
        if !waitForEmptyGroup(until: clock.now.advanced(by: killAfter)) {
          signalGroup(.kill)
          _ = waitForEmptyGroup(until: clock.now.advanced(by: .seconds(10)))
        }
        // What the command left in groups of their own lost its subreaper with the keeper:
        // found among every process.
        let groups = LeftBehindGroups.find(session: pid, keeper: nil)
        if !groups.isEmpty { stopLeftBehindGroupsNow(groups, keeper: nil, signal: stopSignal, killAfter: killAfter) }
      }
      finish(.signaled(.kill))
    }
  }

  private func finishOutput() {
    let waiters = state.withLock { state in
      state.outputDone = true
      defer { state.outputWaiters = [:] }
      return Array(state.outputWaiters.values)
    }
    for waiter in waiters { waiter.resume() }
  }
}
