import PipelineCore
@preconcurrency import Glibc

/// When a started app counts as ready: a TCP port that accepts connections, or a line of
/// its output that matches a regular expression.
///
/// ```yaml
/// ready: 8080                          # a port on 127.0.0.1
/// ready: {port: 8080, timeout: 10s}
/// ready: {output: "listening on", timeout: 10s}
/// ```
struct ReadyCheck: Sendable, Hashable, PartwiseOptionValue, CustomStringConvertible {
  enum Condition: Sendable, Hashable {
    case port(host: String, port: UInt16)
    case output(pattern: String)
  }

  var condition: Condition
  /// How long to wait before reporting that the app never became ready.
  var timeout: Duration

  static let defaultTimeout = Duration.seconds(30)
  static var optionTypeName: String { "port, {port: N}, or {output: regex}, with an optional timeout" }
  static var optionPlaceholder: ReadyCheck { ReadyCheck(condition: .port(host: "127.0.0.1", port: 0), timeout: defaultTimeout) }

  init(condition: Condition, timeout: Duration) {
    self.condition = condition
    self.timeout = timeout
  }

  init(option node: ConfigNode) throws(Diagnostic) {
    let (check, problems) = Self.read(node)
    if let problem = problems.first { throw problem }
    self = check ?? Self.optionPlaceholder
  }

  static func everyProblem(in node: ConfigNode) -> [Diagnostic] { read(node).problems }

  /// The check `node` describes, and the problem of each of its settings that does not fit.
  private static func read(_ node: ConfigNode) -> (check: ReadyCheck?, problems: [Diagnostic]) {
    switch node.value {
    case .scalar:
      do throws(Diagnostic) {
        return (ReadyCheck(condition: try port(node), timeout: defaultTimeout), [])
      } catch {
        return (nil, [error])
      }
    case .mapping(let entries):
      var condition: Condition?
      var namesACondition = false
      var timeout = defaultTimeout
      var problems: [Diagnostic] = []
      for entry in entries {
        do throws(Diagnostic) {
          switch entry.key {
          case "port":
            namesACondition = true
            condition = try port(entry.value)
          case "output":
            namesACondition = true
            condition = .output(pattern: try outputPattern(entry.value))
          case "timeout":
            timeout = try Duration(option: entry.value)
            guard timeout > .zero else {
              throw Diagnostic(at: entry.value.location, "'timeout' must be longer than 0", help: "write a duration like 30s")
            }
          default:
            throw Diagnostic(
              at: entry.keyLocation, "unknown key '\(entry.key)' in 'ready'",
              help: Suggestions.hint(for: entry.key, known: ["port", "output", "timeout"]))
          }
        } catch {
          problems.append(error)
        }
      }
      if !namesACondition {
        problems.append(
          Diagnostic(
            at: node.location, "'ready' needs a port or an output pattern",
            help: "write ready: {port: 8080} or ready: {output: \"listening\"}"))
      }
      return (condition.map { ReadyCheck(condition: $0, timeout: timeout) }, problems)
    default:
      return (nil, [mismatch(node, expected: "a port or a mapping", example: "ready: {port: 8080} or ready: {output: \"listening\"}")])
    }
  }

  private static func outputPattern(_ node: ConfigNode) throws(Diagnostic) -> String {
    let pattern = try String(option: node)
    do { _ = try Regex(pattern) } catch {
      throw Diagnostic(
        at: node.location, "'\(pattern)' is not a valid regular expression: \(error)",
        help: "escape special characters such as ( [ . with a backslash")
    }
    return pattern
  }

  private static func port(_ node: ConfigNode) throws(Diagnostic) -> Condition {
    let (host, port) = try IPv4Endpoint.parse(node, defaultHost: "127.0.0.1")
    return .port(host: host, port: port)
  }

  var optionDescription: String { description }
  var description: String {
    switch condition {
    case .port(let host, let port): return "port \(host == "127.0.0.1" ? "" : host + ":")\(port) accepts connections"
    case .output(let pattern): return "a line matches /\(pattern)/"
    }
  }

  /// Whether `line` satisfies an output condition.
  func matches(_ line: String) -> Bool {
    guard case .output(let pattern) = condition, let regex = try? Regex(pattern) else { return false }
    return line.contains(regex)
  }

  /// Whether a TCP connection to the port succeeds now: at once on this machine (accepted or
  /// refused), within `patience` for another host. Never longer: the check runs on the
  /// engine's thread, and a host that does not answer would otherwise hold it for the
  /// system's connect timeout (minutes).
  static func accepts(host: String, port: UInt16, patience: Duration = .milliseconds(20)) -> Bool {
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    if IPv4Endpoint.withSocketAddress(host: host, port: port, { connect(fd, $0, $1) }) == 0 { return true }
    guard errno == EINPROGRESS else { return false }
    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    let milliseconds = Int32(patience.components.seconds * 1000 + patience.components.attoseconds / 1_000_000_000_000_000)
    guard poll(&ready, 1, milliseconds) == 1 else { return false }
    var failure: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 && failure == 0
  }
}
