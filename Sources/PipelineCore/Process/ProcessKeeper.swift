import CPipelineSystem
@preconcurrency import Glibc
import Synchronization

/// Makes sure that no process `pipeline` starts outlives it — even when `pipeline` is
/// killed with `SIGKILL` or crashes.
///
/// Every command and app is started by the keeper: a small C program (`pipeline-keeper`,
/// built next to `pipeline`) that `pipeline` starts once, at its first command, and that
/// serves every spawn from then on. The two talk over a socket pair whose only other end is
/// in `pipeline`; the kernel closes that end when `pipeline` exits, however it exits, and the
/// keeper reads end of file at once. It then sends each command's group its stage's stop
/// signal, waits each one's `kill_after`, and kills whatever is left.
///
/// ```
///            spawn requests (argv, env, fds by SCM_RIGHTS) ──▶
/// pipeline ═══════════════ socket (also the lifeline) ═══════════ pipeline-keeper
///            ◀── started {pid} / failed {errno} / exited {status}      │ fork, setpgid, exec
///                                                                       ▼
///            kill(-pgid, …) ───────────────────────────────────▶ command (leads its group) ──▶ children
/// ```
///
/// While `pipeline` lives, the keeper is invisible: each command leads its own group (its pid
/// is the group id), `pipeline` signals that group itself, and the keeper, the command's
/// parent, reaps it and reports its exact exit code or signal, which ``ChildProcess`` reports
/// as if it had reaped the command itself.
///
/// **If the keeper dies** while `pipeline` lives (only `SIGKILL` or the OOM killer can end it:
/// it ignores the usual stop signals), the commands it started lose their guard and their
/// statuses are lost with it. `pipeline` then writes a warning, and stops each of those
/// commands as the keeper would have (its stop signal, its `kill_after`, then `SIGKILL`),
/// reporting it as killed by `SIGKILL`: an unguarded process would outlive a later `kill -9`
/// of `pipeline`, and a build whose status is unknown must not count as a success. The next
/// command starts a new keeper, and a second warning says so.
///
/// Why not `PR_SET_PDEATHSIG`: it fires when the *thread* that started the child exits
/// (Swift's pool retires idle threads), and it reaches the direct child only, never a
/// shell wrapper's children.
public enum ProcessKeeper {
  /// The first argument that makes a `pipeline` runner act as the keeper, for runners
  /// without a `pipeline-keeper` file next to them (see ``enableSelfHosting()``).
  public static let selfHostedArgument = "__keeper"

  /// The environment variable that names the keeper program to use; `none` turns keepers off.
  public static let environmentVariable = "PIPELINE_KEEPER"

  /// How the keeper is started: the program and the arguments before the keeper's own.
  package struct Program: Sendable {
    let path: String
    let leadingArguments: [String]
  }

  private static let selfHosting = Atomic<Bool>(false)

  /// Lets the running executable serve as its own keeper (`pipeline __keeper …`) when no
  /// `pipeline-keeper` file lies next to it. Call it only from an executable whose entry
  /// point hands `__keeper` invocations to ``runIfRequested(_:)`` first; `PipelineCommand`
  /// does both.
  public static func enableSelfHosting() { selfHosting.store(true, ordering: .relaxed) }

  /// Runs the keeper (`RUNNER __keeper --serve`) and never returns when `arguments[1]` is
  /// ``selfHostedArgument``.
  public static func runIfRequested(_ arguments: [String]) {
    guard arguments.count > 1, arguments[1] == selfHostedArgument else { return }
    let keeperArguments = [arguments[0]] + arguments.dropFirst(2)
    let status = withCStringArray(keeperArguments) { argv in
      pipeline_keeper_main(Int32(keeperArguments.count), UnsafeMutablePointer(mutating: argv))
    }
    exit(status)
  }

  /// The keeper program in use, or `nil` when there is none (processes then run without
  /// the guarantee; `pipeline run` warns).
  package static var program: Program? {
    if let named = environmentProgram { return named.path.isEmpty ? nil : named }
    if let sibling = siblingProgram { return sibling }
    if selfHosting.load(ordering: .relaxed), let executable = currentExecutable {
      return Program(path: executable, leadingArguments: [executable, selfHostedArgument])
    }
    return nil
  }

  /// Whether commands run under a keeper.
  public static var isAvailable: Bool { program != nil }

  /// Why commands run without a keeper, for the warning: `PIPELINE_KEEPER is 'none'`, or
  /// `PATH is missing`. `nil` when there is a keeper.
  public static var absenceReason: String? {
    guard !isAvailable else { return nil }
    if environmentProgram != nil { return "\(environmentVariable) is 'none'" }
    return "\(expectedLocation) is missing"
  }

  /// Where `pipeline-keeper` is expected: next to the running executable.
  public static var expectedLocation: String {
    (currentExecutable.map(folder(of:)) ?? ".") + "/pipeline-keeper"
  }

  /// The keeper in use: started at the first command, replaced when it died.
  private static let current = Mutex<SpawnServer?>(nil)

  /// The running keeper, started at the first call; a new one when the last one died.
  /// `nil` when there is no keeper program.
  ///
  /// - Throws: ``LaunchError/failed(program:errno:reason:)`` when the keeper cannot be started.
  static func server() throws(LaunchError) -> SpawnServer? {
    guard let program else { return nil }
    return try current.withLock { current throws(LaunchError) -> SpawnServer in
      if let server = current, server.isConnected { return server }
      let server = try SpawnServer.start(program, onLoss: reportLoss)
      if let lost = current {
        warn("started a new process keeper (pid \(server.pid)) after keeper \(lost.pid) ended")
      }
      current = server
      return server
    }
  }

  /// Ends the keeper at the end of a run, once every group is gone: closes the socket (the
  /// keeper then stops what the commands left behind that it adopted, daemons among them, and
  /// exits) and reaps it, waiting at most `limit`, so that `pipeline` exits only once they are
  /// gone too (the keeper itself gives up after 15 seconds), and no exited keeper is left for
  /// PID 1 to reap. Later commands start a new keeper.
  public static func shutDown(waitingUpTo limit: Duration = .seconds(16)) {
    let server = current.withLock { current -> SpawnServer? in
      defer { current = nil }
      return current
    }
    server?.finish(waitingUpTo: limit)
  }

  private static func reportLoss(keeper: pid_t, status: TerminationStatus?, orphans: [ChildProcess]) {
    let how = status.map { " (\($0))" } ?? ""
    let guarded = orphans.isEmpty
      ? "it guarded no running command"
      : "stopping the \(orphans.count) command(s) it guarded (pid \(orphans.map { String($0.pid) }.joined(separator: ", "))), since nothing would stop them if pipeline died; they are reported as killed by SIGKILL"
    warn(
      "the process keeper (pid \(keeper)) ended unexpectedly\(how): \(guarded)",
      help: "the next command starts a new keeper; if this repeats, check the system log for the OOM killer")
  }

  /// Receives the keeper's warnings: the message and what to do.
  public typealias WarningHandler = @Sendable (_ message: String, _ help: String?) -> Void

  private static let warningHandler = Mutex<WarningHandler?>(nil)

  /// Sends the keeper's warnings (it died, a new one was started) to `handler` — `pipeline
  /// run` makes them `warning` events, so they reach the console and the `--events` log —
  /// instead of writing them to standard error.
  public static func sendWarnings(to handler: @escaping WarningHandler) {
    warningHandler.withLock { $0 = handler }
  }

  private static func warn(_ message: String, help: String? = nil) {
    if let handler = warningHandler.withLock({ $0 }) {
      handler(message, help)
    } else {
      writeToStandardError("warning: " + message + (help.map { "\n  help: " + $0 } ?? ""))
    }
  }

  /// Writes one whole line to standard error, as the console writes its warnings.
  private static func writeToStandardError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
      if written < 0, errno == EINTR { continue }
      if written <= 0 { return }
      offset += written
    }
  }

  private static let environmentProgram: Program? = {
    guard let value = getenv(environmentVariable).map({ String(cString: $0) }), !value.isEmpty else { return nil }
    if value == "none" { return Program(path: "", leadingArguments: []) }
    return Program(path: value, leadingArguments: [value])
  }()

  private static let siblingProgram: Program? = {
    guard let executable = currentExecutable else { return nil }
    let candidate = folder(of: executable) + "/pipeline-keeper"
    guard access(candidate, X_OK) == 0 else { return nil }
    return Program(path: candidate, leadingArguments: [candidate])
  }()

  private static let currentExecutable: String? = {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return nil }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()

  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
