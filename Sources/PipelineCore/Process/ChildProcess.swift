import CPipelineSystem
import Foundation
@preconcurrency import Glibc
import Synchronization

/// Which output stream a line came from.
public enum OutputChannel: String, Sendable {
  case stdout
  case stderr
}

/// A process `pipeline` started, leading its own process group.
///
/// Output is read on a dedicated thread and handed over line by line; a last line without
/// a newline is handed over when the stream ends, so nothing is lost when a process dies
/// mid-line. The exit is awaited on another dedicated thread with `waitpid(pid)` — never
/// `waitpid(-1)`, which would steal other code's children.
///
/// Stopping signals the whole group (``stop(signal:killAfter:)``), so the children of a shell
/// wrapper, `go run` or `npm start` stop too, and returns only when no process of the group
/// is left.
public final class ChildProcess: Sendable {
  /// The process id, which is also its process group id.
  public let pid: pid_t

  private struct State {
    var status: TerminationStatus?
    var exitWaiters: [Int: CheckedContinuation<TerminationStatus?, Never>] = [:]
    var outputDone = false
    var outputWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiter = 0
  }
  private let state = Mutex(State())

  private init(pid: pid_t) { self.pid = pid }

  /// Starts a process in a new process group.
  ///
  /// - Parameters:
  ///   - launch: what to start.
  ///   - onLine: called with every line of output (without its newline), from a
  ///     background thread, in order per channel.
  public static func launch(
    _ launch: ProcessLaunch, onLine: @escaping @Sendable (OutputChannel, String) -> Void
  ) throws(LaunchError) -> ChildProcess {
    var outPipe: [Int32] = [-1, -1]
    var errPipe: [Int32] = [-1, -1]
    // Close-on-exec from the start: a pipe made with pipe() and flagged afterwards could be
    // inherited by a process launched concurrently, whose output would then never end.
    guard pipeline_pipe_cloexec(&outPipe) == 0 else { throw .failed(program: launch.executable, errno: errno, reason: lastErrorText()) }
    guard pipeline_pipe_cloexec(&errPipe) == 0 else {
      close(outPipe[0]); close(outPipe[1])
      throw .failed(program: launch.executable, errno: errno, reason: lastErrorText())
    }

    let environment = launch.environment.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    let result = withCStringArray(launch.arguments) { argv in
      withCStringArray(environment) { envp in
        pipeline_spawn(
          launch.executable, argv, envp, launch.workingDirectory,
          launch.inheritsStandardInput ? 0 : -1, outPipe[1], errPipe[1], &pid)
      }
    }
    close(outPipe[1])
    close(errPipe[1])
    guard result == 0 else {
      close(outPipe[0]); close(errPipe[0])
      let reason: String
      switch result {
      case ENOENT:
        var info = stat()
        reason = stat(launch.workingDirectory, &info) != 0
          ? "working directory \(launch.workingDirectory) does not exist"
          : "no such file"
        if reason == "no such file" { throw .notFound(launch.arguments.first ?? launch.executable) }
      case EACCES: reason = "permission denied (is it executable? `chmod +x \(launch.executable)`)"
      case ENOEXEC: reason = "not an executable file (a script needs a #! line)"
      default: reason = String(cString: strerror(result))
      }
      throw .failed(program: launch.executable, errno: result, reason: reason)
    }

    let process = ChildProcess(pid: pid)
    LiveProcessGroups.shared.insert(pid)
    let outFD = outPipe[0], errFD = errPipe[0]
    Thread.detachNewThread { [process] in
      OutputReader.readLines(stdout: outFD, stderr: errFD, onLine: onLine)
      process.finishOutput()
    }
    Thread.detachNewThread { [process] in
      process.reap()
    }
    return process
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
    await withTaskGroup(of: TerminationStatus?.self) { group in
      group.addTask { await self.waitForExit(cancellable: true) }
      group.addTask {
        try? await Task.sleep(for: timeout)
        return nil
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      return first ?? self.status
    }
  }

  /// Sends `signal` to every process of the group.
  public func signalGroup(_ signal: ProcessSignal) {
    _ = kill(-pid, signal.number)
  }

  /// Whether any living (not zombie) process of the group is left.
  public var isGroupAlive: Bool {
    ProcessTable.groupHasLivingMember(pid)
  }

  /// Stops the whole group: `signal` first, then `SIGKILL` for whatever is left after
  /// `killAfter`, and returns once the leader is reaped and no process of the group is left.
  ///
  /// - Returns: the leader's status.
  @discardableResult
  public func stop(signal: ProcessSignal, killAfter: Duration) async -> TerminationStatus {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: killAfter)
    if status == nil || isGroupAlive { signalGroup(signal) }
    if signal != .kill, await waitForGroupExit(until: deadline) {
      return await waitForExit()
    }
    signalGroup(.kill)
    _ = await waitForGroupExit(until: clock.now.advanced(by: .seconds(10)))
    return await waitForExit()
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
      try? await Task.sleep(for: pause)
      pause = min(pause * 2, .milliseconds(10))
    }
    LiveProcessGroups.shared.remove(pid)
    return true
  }

  /// Waits until every line of output has been handed over (all writers of the pipes have
  /// closed them), at most `timeout`.
  public func waitForOutput(timeout: Duration = .seconds(1)) async {
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await self.waitForOutputEnd() }
      group.addTask { try? await Task.sleep(for: timeout) }
      _ = await group.next()
      group.cancelAll()
    }
  }

  // MARK: - Internals

  private func waitForExit(cancellable: Bool) async -> TerminationStatus? {
    let id = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<TerminationStatus?, Never>) in
        let resumeNow: TerminationStatus?? = state.withLock { state in
          if let status = state.status { return .some(status) }
          if cancellable, Task.isCancelled { return .some(nil) }
          state.exitWaiters[id] = continuation
          return .none
        }
        if let value = resumeNow { continuation.resume(returning: value) }
      }
    } onCancel: {
      guard cancellable else { return }
      let waiter = state.withLock { $0.exitWaiters.removeValue(forKey: id) }
      waiter?.resume(returning: nil)
    }
  }

  private func waitForOutputEnd() async {
    let id = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let done = state.withLock { state -> Bool in
          if state.outputDone || Task.isCancelled { return true }
          state.outputWaiters[id] = continuation
          return false
        }
        if done { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { $0.outputWaiters.removeValue(forKey: id) }
      waiter?.resume()
    }
  }

  private func reap() {
    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) < 0 {
      if errno != EINTR { break }
    }
    let status: TerminationStatus =
      pipeline_wifsignaled(raw) != 0
      ? .signaled(ProcessSignal(number: pipeline_wtermsig(raw)))
      : .exited(pipeline_wexitstatus(raw))
    let waiters = state.withLock { state in
      state.status = status
      defer { state.exitWaiters = [:] }
      return Array(state.exitWaiters.values)
    }
    if !isGroupAlive { LiveProcessGroups.shared.remove(pid) }
    for waiter in waiters { waiter.resume(returning: status) }
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

func lastErrorText() -> String { String(cString: strerror(errno)) }

/// Calls `body` with a NULL-terminated C array of C strings.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
  let pointers = strings.map { strdup($0) } + [nil]
  defer { for pointer in pointers { free(pointer) } }
  return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
