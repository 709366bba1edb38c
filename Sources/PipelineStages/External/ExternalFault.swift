import PipelineCore

/// Why an external stage's program was given up on; each is reported as a failure of the
/// stage, and the program is started again for the next batch.
enum ExternalFault: Error, Sendable, CustomStringConvertible {
  case couldNotStart(String)
  /// It exited before answering.
  case exited(TerminationStatus, during: String)
  /// It did not answer in time.
  case timedOut(Duration, during: String)
  /// It wrote a line that is not a message, or not the one expected.
  case garbage(ExternalProtocolError)
  /// It wrote a line longer than ``ExternalProtocol/maximumLineLength``; `start` is its
  /// beginning.
  case lineTooLong(start: String)
  /// Its `ready` named another protocol version.
  case wrongVersion(Int)
  /// It answered with an `error` message.
  case refused(message: String, help: String?)
  /// The pipeline began to stop while it started: not a fault of the program's, and not
  /// reported as one.
  case interrupted

  var description: String {
    switch self {
    case .couldNotStart(let reason):
      return "could not start: \(reason)"
    case .exited(let status, let during):
      return "\(status) \(during)"
    case .timedOut(let limit, let during):
      return "did not answer within \(limit.pipelineText) \(during) and was stopped (raise 'timeout' if it needs longer)"
    case .garbage(let error):
      return "broke the protocol: \(error); only protocol messages may go to standard output (write logs to standard error)"
    case .lineTooLong(let start):
      return "wrote a line longer than \(ExternalProtocol.maximumLineLength / 1024 / 1024) MiB, the longest message pipeline reads: '\(start)…'; only protocol messages may go to standard output (write logs to standard error)"
    case .wrongVersion(let version):
      return "speaks protocol version \(version), but pipeline speaks version \(ExternalProtocol.version); update the program or pipeline"
    case .refused(let message, let help):
      return "reported an error: \(message)" + (help.map { " (\($0))" } ?? "")
    case .interrupted:
      return "was stopped while starting: pipeline is stopping"
    }
  }

  /// The `status` metadata of the `stage-failed` event.
  var status: String {
    switch self {
    case .couldNotStart: return "not-started"
    case .exited: return "crashed"
    case .timedOut: return "timeout"
    case .garbage, .lineTooLong, .wrongVersion: return "protocol"
    case .refused: return "refused"
    case .interrupted: return "stopped"
    }
  }
}
