/// Everything needed to start one process.
public struct ProcessLaunch: Sendable {
  /// The program: an absolute path, or a path with a `/` relative to `workingDirectory`.
  public var executable: String
  /// The full argv, `arguments[0]` included.
  public var arguments: [String]
  /// The complete environment of the process.
  public var environment: [String: String]
  /// The folder it starts in.
  public var workingDirectory: String
  /// What the process reads: `/dev/null` (the default), `pipeline`'s own standard input,
  /// or a pipe that ``ChildProcess/writeInput(_:)`` feeds.
  public var standardInput: StandardInput
  /// How the keeper stops the process group when `pipeline` is gone: this signal first…
  public var stopSignal: ProcessSignal
  /// …then `SIGKILL` after this long.
  public var killAfter: Duration
  /// A listening socket handed to the process as descriptor 3, with `LISTEN_FDS=1` and
  /// `LISTEN_PID` (systemd's socket-activation convention). The caller keeps ownership.
  public var listeningSocket: Int32?
  /// The longest line of standard output handed to `onLine` whole, in bytes; a longer one
  /// comes in pieces of at most this many bytes, so that a process that never writes a
  /// newline cannot make `pipeline` hold unbounded memory. Standard error is always cut at
  /// ``defaultLineLimit``.
  public var standardOutputLineLimit: Int = ProcessLaunch.defaultLineLimit

  /// The longest output line handed over whole, unless ``standardOutputLineLimit`` says
  /// otherwise: 64 KiB.
  public static let defaultLineLimit = 64 * 1024

  /// Where a process's standard input comes from.
  public enum StandardInput: Sendable, Hashable {
    case null
    case inherit
    case pipe
  }

  public init(
    executable: String, arguments: [String], environment: [String: String],
    workingDirectory: String, standardInput: StandardInput = .null,
    stopSignal: ProcessSignal = .terminate, killAfter: Duration = .seconds(2),
    listeningSocket: Int32? = nil
  ) {
    self.executable = executable
    self.arguments = arguments
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.standardInput = standardInput
    self.stopSignal = stopSignal
    self.killAfter = killAfter
    self.listeningSocket = listeningSocket
  }

  /// The launch for `command`: a shell line under `/bin/sh -c`, or an argv whose program is
  /// looked up in the `PATH` of `environment` (as the shell would) unless it has a `/`.
  ///
  /// - Throws: ``LaunchError/notFound(_:)`` when the program cannot be found.
  public static func resolving(
    _ command: CommandSpec, environment: [String: String], workingDirectory: String
  ) throws(LaunchError) -> ProcessLaunch {
    switch command {
    case .shell(let line):
      return ProcessLaunch(
        executable: "/bin/sh", arguments: ["/bin/sh", "-c", line], environment: environment,
        workingDirectory: workingDirectory)
    case .argv(let words):
      guard let program = words.first, !program.isEmpty else { throw .notFound("") }
      let path = try ExecutableLookup.find(
        program, path: environment["PATH"] ?? ExecutableLookup.defaultPath,
        workingDirectory: workingDirectory)
      return ProcessLaunch(
        executable: path, arguments: words, environment: environment,
        workingDirectory: workingDirectory)
    }
  }
}

/// Why a process could not be started.
public enum LaunchError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No such program, in the working directory or on `PATH`.
  case notFound(String)
  /// The system refused (`EACCES`, `ENOEXEC`, a missing working directory…).
  case failed(program: String, errno: Int32, reason: String)

  public var description: String {
    switch self {
    case .notFound(let program):
      return program.isEmpty ? "empty command" : "command not found: \(program)"
    case .failed(let program, _, let reason): return "cannot start \(program): \(reason)"
    }
  }
}
