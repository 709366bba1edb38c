import CPipelineSystem
import Dispatch
import FoundationEssentials
@preconcurrency import Glibc
import Synchronization

/// `pipeline`'s connection to one running keeper (see ``ProcessKeeper``): sends it spawn
/// requests and hands each command's end, which the keeper reports, to its ``ChildProcess``.
///
/// The engine's thread (``EngineExecutor``) reads the keeper's reports as they come, so a
/// command's end resumes the stage waiting for it without a hand-off from another thread (a
/// thread of its own reads them when the engine cannot watch descriptors). A spawn blocks its
/// caller until the keeper answers, which it does once the command's exec has succeeded or
/// failed (well under a millisecond); on the engine's thread, the spawn reads the reports
/// itself until its answer comes.
package final class SpawnServer: Sendable {
  /// The keeper's pid.
  package let pid: pid_t
  /// `pipeline`'s end of the socket: close-on-exec and numbered above 63, so no command
  /// inherits it.
  private let socket: Int32
  /// Held while one request is written, so that the parts of two requests never interleave.
  private let sending = Mutex(())

  /// How a request ended.
  private enum Answer {
    case started(pid_t)
    case failed(Int32)
    case keeperGone
  }

  /// One request waiting for its answer.
  private final class Pending: Sendable {
    let answered = DispatchSemaphore(value: 0)
    let answer = Mutex<Answer?>(nil)
    var isResolved: Bool { answer.withLock { $0 != nil } }
    func resolve(_ value: Answer) {
      answer.withLock { $0 = value }
      answered.signal()
    }
  }

  private struct State {
    var nextRequest: UInt32 = 0
    var pending: [UInt32: Pending] = [:]
    /// Commands running under this keeper, by pid, once their ``ChildProcess`` exists.
    var attached: [pid_t: ChildProcess] = [:]
    /// Ends reported before the command's ``ChildProcess`` was attached.
    var earlyEnds: [pid_t: TerminationStatus] = [:]
    var isConnected = true
    /// Set by ``cutLifeline()``: the end of file was ours, not the keeper's death.
    var wasCut = false
    /// Whether the engine's thread reads the reports (rather than a thread of our own).
    var readsOnEngine = false
    /// The socket's token with the engine's thread, until the end of file.
    var watch: UInt64?
    /// Set once the end of file is seen: nothing reads the socket any more.
    var isEnded = false
  }
  private let state = Mutex(State())

  /// Whether the keeper still answers. Once it does not, the next command starts a new one.
  package var isConnected: Bool { state.withLock { $0.isConnected } }

  /// Starts `program` as a keeper: `PROGRAM [LEADING…] --serve`, with its end of the socket
  /// as descriptor 3, /dev/null for everything else, and a process group of its own.
  ///
  /// - Parameter onLoss: called once, from a thread of its own, when the keeper is gone while
  ///   `pipeline` lives, with its pid, how it ended and the commands it guarded.
  package static func start(
    _ program: ProcessKeeper.Program,
    onLoss: @escaping @Sendable (_ keeper: pid_t, _ status: TerminationStatus?, _ orphans: [ChildProcess]) -> Void
  ) throws(LaunchError) -> SpawnServer {
    var fds: [Int32] = [-1, -1]
    guard pipeline_keeper_socketpair(&fds) == 0 else { throw keeperFailure(program, errno) }
    let ours = pipeline_move_fd_high(fds[0])
    let theirs = pipeline_move_fd_high(fds[1])
    let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
    defer {
      if theirs >= 0 { close(theirs) }
      if devNull >= 0 { close(devNull) }
    }
    guard ours >= 0, theirs >= 0, devNull >= 0 else {
      let number = errno
      if ours >= 0 { close(ours) }
      throw keeperFailure(program, number)
    }
    var pid: pid_t = 0
    let extra = [theirs]
    let result = withCStringArray(program.leadingArguments + ["--serve"]) { argv in
      withCStringArray([]) { envp in
        pipeline_spawn(program.path, argv, envp, nil, -1, devNull, devNull, extra, 1, &pid)
      }
    }
    guard result == 0 else {
      close(ours)
      throw keeperFailure(program, result)
    }
    let server = SpawnServer(pid: pid, socket: ours, onLoss: onLoss)
    // The token is recorded under the lock the handler takes, so a report that comes at once
    // finds it.
    let readsOnEngine = server.state.withLock { state in
      state.watch = EngineExecutor.shared.watch(ours) { [server] in server.readAvailableReports() }
      state.readsOnEngine = state.watch != nil
      return state.readsOnEngine
    }
    if !readsOnEngine {
      startDetachedThread(named: "pipeline-report") {
        server.readReports()
      }
    }
    return server
  }

  private let onLoss: @Sendable (pid_t, TerminationStatus?, [ChildProcess]) -> Void

  private init(pid: pid_t, socket: Int32, onLoss: @escaping @Sendable (pid_t, TerminationStatus?, [ChildProcess]) -> Void) {
    self.pid = pid
    self.socket = socket
    self.onLoss = onLoss
  }

  /// Asks the keeper to start `launch`, with the given descriptors as its output, error and
  /// (when not `nil`) input, and returns the command's pid, which is also its process group.
  ///
  /// - Throws: ``SpawnFailure/command(_:)`` with the errno of a failed exec (or chdir), or
  ///   ``SpawnFailure/keeperGone`` when the keeper died before answering.
  func spawn(
    _ launch: ProcessLaunch, output: Int32, errors: Int32, input: Int32?
  ) throws(SpawnFailure) -> pid_t {
    let pending = Pending()
    let request: UInt32? = state.withLock { state in
      guard state.isConnected else { return nil }
      state.nextRequest &+= 1
      state.pending[state.nextRequest] = pending
      return state.nextRequest
    }
    guard let request else { throw .keeperGone }
    let milliseconds = launch.killAfter.components.seconds * 1000
      + launch.killAfter.components.attoseconds / 1_000_000_000_000_000
    let grace = Int32(clamping: max(0, milliseconds))
    let result = sending.withLock { _ in
      withCStringArray(launch.arguments) { argv in
        withCStringArray(environment: launch.environment) { envp in
          pipeline_keeper_request(
            socket, request, launch.executable, launch.workingDirectory, argv, envp, launch.stopSignal.number, grace,
            output, errors, input ?? -1, launch.listeningSocket ?? -1)
        }
      }
    }
    if result != 0 {
      let isGone = result == EPIPE || result == ECONNRESET
      state.withLock { state in
        _ = state.pending.removeValue(forKey: request)
        // Said now, not when the reader thread sees the end of file: the caller's retry
        // starts a new keeper only for a server that is known to be gone.
        if isGone { state.isConnected = false }
      }
      // The keeper is gone (EPIPE) or cannot take it (E2BIG…).
      if isGone { throw .keeperGone }
      throw .command(result)
    }
    if state.withLock({ $0.readsOnEngine }), EngineExecutor.isCurrentThread {
      // The reader is this very thread: read until the answer comes.
      readWaiting(until: { pending.isResolved })
    }
    pending.answered.wait()
    switch pending.answer.withLock({ $0 }) {
    case .started(let pid): return pid
    case .failed(let number): throw .command(number)
    case .keeperGone, nil: throw .keeperGone
    }
  }

  /// Why ``spawn(_:output:errors:input:)`` failed.
  enum SpawnFailure: Error {
    /// The command could not be started: this errno.
    case command(Int32)
    /// The keeper died before it answered.
    case keeperGone
  }

  /// Hands the command `process` (started by this keeper) its end when the keeper reports
  /// it; at once if that happened already, or if the keeper is gone.
  func attach(_ process: ChildProcess) {
    enum Now { case wait, ended(TerminationStatus), lost(cut: Bool) }
    let now: Now = state.withLock { state in
      if let status = state.earlyEnds.removeValue(forKey: process.pid) { return .ended(status) }
      guard state.isConnected else { return .lost(cut: state.wasCut) }
      state.attached[process.pid] = process
      return .wait
    }
    switch now {
    case .wait: break
    case .ended(let status): process.finish(status)
    case .lost(let cut): process.keeperLost(cut: cut)
    }
  }

  /// Plays the part of a `pipeline` that dies: closes the socket as the kernel would, so the
  /// keeper stops every group it started. The commands' ends are then watched from here (their
  /// statuses went with the keeper). For tests.
  package func cutLifeline() {
    state.withLock { $0.wasCut = true }
    shutdown(socket, Int32(SHUT_RDWR))
  }

  /// Closes the lifeline on purpose, when `pipeline` is done (``ProcessKeeper/shutDown(waitingUpTo:)``),
  /// and reaps the keeper, waiting at most `limit` for it to exit. Its end is no loss: nothing
  /// is reported.
  package func finish(waitingUpTo limit: Duration) {
    cutLifeline()
    let deadline = ContinuousClock.now + limit
    var raw: Int32 = 0
    repeat {
      let reaped = waitpid(pid, &raw, WNOHANG)
      // ECHILD: the thread that handles the socket's end of file reaped it first.
      if reaped == pid || (reaped < 0 && errno == ECHILD) { return }
      usleep(1000)
    } while ContinuousClock.now < deadline
  }

  // MARK: - Reading the reports

  /// On the engine's thread, when the socket is readable: every report that is there.
  private func readAvailableReports() {
    var report = pipeline_keeper_report()
    while !state.withLock({ $0.isEnded }) {
      let result = pipeline_keeper_try_read_report(socket, &report)
      if result == 1 {
        handle(report)
      } else if result == -EAGAIN || result == -EWOULDBLOCK {
        return
      } else {
        endOfFile()
      }
    }
  }

  /// The reader thread, when the engine cannot watch the socket.
  private func readReports() {
    readWaiting(until: { false })
  }

  /// Reads report after report, waiting for each, until `done` holds or the end of file.
  private func readWaiting(until done: () -> Bool) {
    var report = pipeline_keeper_report()
    while !done(), !state.withLock({ $0.isEnded }) {
      if pipeline_keeper_read_report(socket, &report) == 1 {
        handle(report)
      } else {
        endOfFile()
      }
    }
  }

  private func handle(_ report: pipeline_keeper_report) {
    switch report.kind {
    case Int32(PIPELINE_KEEPER_STARTED):
      let pending = state.withLock { $0.pending.removeValue(forKey: report.request) }
      pending?.resolve(.started(report.pid))
    case Int32(PIPELINE_KEEPER_FAILED):
      let pending = state.withLock { $0.pending.removeValue(forKey: report.request) }
      pending?.resolve(.failed(report.value))
    case Int32(PIPELINE_KEEPER_EXITED):
      let status = TerminationStatus(waitStatus: report.value)
      let process = state.withLock { state -> ChildProcess? in
        guard let process = state.attached.removeValue(forKey: report.pid) else {
          state.earlyEnds[report.pid] = status
          return nil
        }
        return process
      }
      process?.finish(status)
    default:
      break
    }
  }

  /// End of file (or a read error): the keeper is gone, or we cut the lifeline. Requests
  /// waiting for an answer fail at once; the rest (reaping the keeper, which after a cut
  /// may take its groups' grace periods, and telling the commands it guarded) happens on a
  /// thread of its own, since the engine's thread must not wait.
  private func endOfFile() {
    let ended = state.withLock { state -> (watch: UInt64?, pending: [Pending], orphans: [ChildProcess], cut: Bool)? in
      guard !state.isEnded else { return nil }
      state.isEnded = true
      state.isConnected = false
      defer {
        state.pending = [:]
        state.attached = [:]
        state.watch = nil
      }
      return (state.watch, Array(state.pending.values), Array(state.attached.values), state.wasCut)
    }
    guard let ended else { return }
    if let watch = ended.watch { EngineExecutor.shared.unwatch(watch) }
    for request in ended.pending { request.resolve(.keeperGone) }
    startDetachedThread(named: "pipeline-reap") { [self] in
      reapKeeper(orphans: ended.orphans, cut: ended.cut)
    }
  }

  private func reapKeeper(orphans: [ChildProcess], cut: Bool) {
    // The keeper is our child: reap it, and learn how it ended. After a cut it is still
    // stopping the groups; it exits when they are gone.
    var raw: Int32 = 0
    var reaped = waitpid(pid, &raw, cut ? WNOHANG : 0)
    while reaped < 0 && errno == EINTR { reaped = waitpid(pid, &raw, cut ? WNOHANG : 0) }
    let keeperStatus = reaped == pid ? TerminationStatus(waitStatus: raw) : nil
    if !cut { onLoss(pid, keeperStatus, orphans) }
    for process in orphans { process.keeperLost(cut: cut) }
    if cut, reaped != pid {
      while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
    }
    close(socket)
  }

  private static func keeperFailure(_ program: ProcessKeeper.Program, _ number: Int32) -> LaunchError {
    .failed(
      program: program.path, errno: number,
      reason: "cannot start the process keeper: \(String(cString: strerror(number))) (check \(ProcessKeeper.environmentVariable), or install pipeline-keeper next to pipeline)")
  }
}

extension TerminationStatus {
  /// The status `waitpid` reported as `raw`.
  init(waitStatus raw: Int32) {
    self = pipeline_wifsignaled(raw) != 0
      ? .signaled(ProcessSignal(number: pipeline_wtermsig(raw)))
      : .exited(pipeline_wexitstatus(raw))
  }
}
