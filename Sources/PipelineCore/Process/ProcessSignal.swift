@preconcurrency import Glibc

/// A signal `pipeline` can send to a process group, by name.
public struct ProcessSignal: Sendable, Hashable, CustomStringConvertible {
  /// The canonical name, with the `SIG` prefix: `SIGINT`.
  public let name: String
  /// The platform's number for it.
  public let number: Int32

  public static let hangup = ProcessSignal(name: "SIGHUP", number: SIGHUP)
  public static let interrupt = ProcessSignal(name: "SIGINT", number: SIGINT)
  public static let quit = ProcessSignal(name: "SIGQUIT", number: SIGQUIT)
  public static let kill = ProcessSignal(name: "SIGKILL", number: SIGKILL)
  public static let user1 = ProcessSignal(name: "SIGUSR1", number: SIGUSR1)
  public static let user2 = ProcessSignal(name: "SIGUSR2", number: SIGUSR2)
  public static let terminate = ProcessSignal(name: "SIGTERM", number: SIGTERM)

  /// The signals a pipeline file may name to stop a process.
  public static let stopSignals: [ProcessSignal] = [
    .terminate, .interrupt, .hangup, .quit, .user1, .user2, .kill,
  ]

  /// Looks a signal up by name, with or without `SIG`, in any case: `SIGINT`, `int`, `Int`.
  public init?(named text: String) {
    var name = text.uppercased()
    if !name.hasPrefix("SIG") { name = "SIG" + name }
    guard let known = Self.stopSignals.first(where: { $0.name == name }) else { return nil }
    self = known
  }

  /// The signal with this number, named when it is a common one (`SIG11` otherwise).
  public init(number: Int32) {
    let common: [ProcessSignal] = Self.stopSignals + [
      ProcessSignal(name: "SIGSEGV", number: SIGSEGV), ProcessSignal(name: "SIGABRT", number: SIGABRT),
      ProcessSignal(name: "SIGPIPE", number: SIGPIPE), ProcessSignal(name: "SIGBUS", number: SIGBUS),
      ProcessSignal(name: "SIGILL", number: SIGILL), ProcessSignal(name: "SIGFPE", number: SIGFPE),
      ProcessSignal(name: "SIGTRAP", number: SIGTRAP), ProcessSignal(name: "SIGALRM", number: SIGALRM),
    ]
    self = common.first { $0.number == number } ?? ProcessSignal(name: "SIG\(number)", number: number)
  }

  private init(name: String, number: Int32) {
    self.name = name
    self.number = number
  }

  public var description: String { name }
}
