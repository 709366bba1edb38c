import PipelineCore
@preconcurrency import Glibc

/// Supervises one long-running process — the app — and restarts it for every batch.
///
/// On each batch: send `signal` to the app's process group, wait up to `kill_after`, then
/// `SIGKILL` the group, wait until no process of it is left, and only then start the new
/// one: never two instances at once. Batches that arrive during a restart are merged into
/// one more restart. The batch goes on to the next stages once the new instance is ready.
///
/// ```yaml
/// - stage: restart
///   run: ./tmp/main
///   signal: SIGINT
///   kill_after: 500ms
///   artifact: ./tmp/main          # keep the running app when the binary did not change
///   socket: 8080                  # hold the port; each instance gets it as fd 3
///   ready: {port: 8080}           # or {output: "listening on"}
///   on_exit: restart              # or wait (the default)
/// ```
struct RestartStage: Stage {
  struct Configuration: StageConfiguration {
    var process: ProcessOptions
    var expectedFolders: [ConfiguredFolder] { process.workingFolder.map { [$0] } ?? [] }
    var ready: ReadyCheck?
    var artifact: String?
    var socket: ListenAddress?
    var socketLocation: SourceLocation?
    var onExit: ExitPolicy
    var backoff: Duration
    var maxBackoff: Duration
    var forwardsInput: Bool

    init(options: StageOptions) throws {
      process = try ProcessOptions(
        options, subject: "app", runHelp: "The app: a string runs under /bin/sh -c, a list is an argv.",
        defaultKillAfter: .seconds(2))
      ready = try options.optional(
        "ready", as: ReadyCheck.self, defaultText: "none",
        help: "When a started instance counts as ready: a port that accepts connections (8080, {port: 8080}) or an output line matching a regular expression ({output: \"listening\"}); timeout defaults to 30s. The batch goes on, and the time from change to ready is reported, once it is ready.")
      artifact = try options.optional(
        "artifact", as: String.self, defaultText: "none",
        help: "The built file the app runs (./tmp/main): when its content is byte-identical to the running instance's, the app is kept running instead of restarted.")
      socket = try options.optional(
        "socket", as: ListenAddress.self, defaultText: "none",
        help: "A port (8080, on every interface) or host:port that pipeline listens on once and hands to each instance as fd 3 with LISTEN_FDS=1 and LISTEN_PID (systemd socket activation): connections wait during a restart instead of failing.")
      socketLocation = options.location(of: "socket")
      onExit = try options.value(
        "on_exit", default: .wait,
        help: "When the app exits by itself: wait for the next change, or restart it (after backoff, doubling while it keeps crashing).")
      backoff = try options.value(
        "backoff", default: .seconds(1),
        help: "With on_exit: restart, the delay before the first automatic restart; it doubles with each crash in a row.")
      maxBackoff = try options.value(
        "max_backoff", default: .seconds(30),
        help: "The longest delay between automatic restarts. An instance that ran 5s or more starts the count again.")
      forwardsInput = try options.value(
        "stdin", default: false,
        help: "Hand what is typed into pipeline to the app's standard input (a pipe; pipeline keeps the terminal and Ctrl-C). Otherwise the app reads /dev/null.")
      if case .port(_, let port)? = ready?.condition, let socket, socket.port == port {
        try options.reject(
          "ready", "'ready' checks port \(port), which 'socket' holds open: it would always look ready",
          help: "with socket, wait for an output line instead: ready: {output: \"listening\"}")
      }
      if backoff <= .zero { try options.reject("backoff", "'backoff' must be longer than 0", help: "write a duration like 500ms, or leave it out for the default") }
    }
  }

  static let role = StageRole.action
  static let prefersEngineThread = true
  static let summary = "Runs the app and restarts it for each batch, one instance at a time."
  static let example = "- stage: restart\n  run: ./tmp/main\n  signal: SIGINT\n  kill_after: 500ms"

  let configuration: Configuration
  let context: StageContext

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }

  func run(input: StageInput, output: StageOutput) async throws {
    var socket: Int32?
    if let address = configuration.socket {
      do { socket = try address.listen() } catch {
        throw Diagnostic(at: configuration.socketLocation, error.message, help: error.help)
      }
    }
    defer { if let socket { close(socket) } }

    let mailbox = LatestBatchMailbox()
    let work = context.work
    let supervisor = AppSupervisor(
      configuration: configuration, context: context, socket: socket,
      requestRestart: { mailbox.requestRestart() })
    let reader = Task(executorPreference: EngineExecutor.here) {
      for await batch in input {
        work.begin()
        mailbox.put(batch)
      }
      // The pipeline is stopping: the restart under way, if any, must not start an instance
      // or go on waiting for `ready` (the loop below only sees the end after it).
      supervisor.beginStopping()
      mailbox.close()
    }
    defer { reader.cancel() }
    for await _ in mailbox.wakeUps {
      guard let request = mailbox.take() else { continue }
      if let batch = request.batch {
        if await supervisor.restart(for: batch) == .restarted { output.send(batch) }
        work.end(request.count)
      } else {
        _ = await supervisor.restart(for: nil)
      }
    }
    if let request = mailbox.take(), request.count > 0 { work.end(request.count) }
    await supervisor.stop()
  }
}
