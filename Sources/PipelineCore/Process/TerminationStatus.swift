/// How a process ended.
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
  /// It called `exit` with this code.
  case exited(Int32)
  /// A signal ended it.
  case signaled(ProcessSignal)

  /// `true` for `exit(0)`.
  public var isSuccess: Bool { self == .exited(0) }

  /// `exited with status 1`, `killed by SIGKILL`.
  public var description: String {
    switch self {
    case .exited(let code): return "exited with status \(code)"
    case .signaled(let signal): return "killed by \(signal.name)"
    }
  }

  /// The status a shell would report: the exit code, or 128 + the signal number.
  public var shellStatus: Int32 {
    switch self {
    case .exited(let code): return code
    case .signaled(let signal): return 128 + signal.number
    }
  }
}
