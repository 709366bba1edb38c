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
  /// Whether the process reads `pipeline`'s own standard input (otherwise `/dev/null`).
  public var inheritsStandardInput: Bool

  public init(
    executable: String, arguments: [String], environment: [String: String],
    workingDirectory: String, inheritsStandardInput: Bool = false
  ) {
    self.executable = executable
    self.arguments = arguments
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.inheritsStandardInput = inheritsStandardInput
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
