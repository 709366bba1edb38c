import Synchronization

/// Shows events to a person: one line when a cycle starts (what changed), the stages'
/// output prefixed by their names, and one line when it ends (which stages ran, how long
/// each took).
///
/// ```
/// ▶ 1 change: src/main.go (modified)
/// [build] $ go build -o ./tmp/main .
/// [restart] started ./tmp/main (pid 4242)
/// [restart] listening on :8080
/// ✓ build 412ms · restart 8ms — 431ms
/// ```
///
/// A failure that stops a batch is shown once, by the cycle's closing line (`✗ stage 'build'
/// (…) exited with status 2; the running app (pid 4242) is kept; …`), not by its own
/// `stage-failed` line as well. A `stage-failed` outside a cycle, or one that lets the batch
/// go on (`continue_on_error`), is shown when it happens.
public struct ConsoleRenderer: EventSink {
  /// How much a person sees.
  public enum Detail: Sendable {
    /// The commands' and the app's output, warnings, errors, the app exiting on its own, and
    /// the `✗` line of a failed cycle: `pipeline run -q`.
    case quiet
    /// Also what happens: the cycles, the commands run, the app's starts (the default).
    case normal
    /// Every event: `pipeline run -v`.
    case verbose
  }

  let terminal: TerminalWriter
  let detail: Detail
  var verbose: Bool { detail == .verbose }
  /// Whether a cycle is open: its closing line will report the failures that stop a batch.
  private let cycleOpen = OpenFlag()

  public init(terminal: TerminalWriter, detail: Detail) {
    self.terminal = terminal
    self.detail = detail
  }

  public init(terminal: TerminalWriter, verbose: Bool = false) {
    self.init(terminal: terminal, detail: verbose ? .verbose : .normal)
  }

  public func emit(_ event: Event) {
    guard let text = render(event) else { return }
    terminal.line(text.line, error: text.isError)
  }

  func render(_ event: Event) -> (line: String, isError: Bool)? {
    let text = renderShown(Self.escaped(event))
    guard detail == .quiet else { return text }
    switch event.kind {
    case .output, .warning, .error, .appExited, .stageFailed, .pipelineReloading, .runRequested: return text
    case .cycleFinished where event.metadata["result"] == "failed": return text
    default: return nil
    }
  }

  /// `event` with the control characters of its message escaped, so that a file name with a
  /// newline or an escape sequence cannot split a line or recolour the terminal. A command's
  /// output is left as written (an app's colours), and so are the lines of a warning or an
  /// error (its `help:`) and of a reload notice.
  private static func escaped(_ event: Event) -> Event {
    guard event.kind != .output, let message = event.message else { return event }
    var event = event
    let keepsLines = event.kind == .warning || event.kind == .error || event.kind == .pipelineReloading
    event.message = PathText.displayed(message, keepingNewlines: keepsLines)
    return event
  }

  /// The line at the normal or verbose detail.
  private func renderShown(_ event: Event) -> (line: String, isError: Bool)? {
    switch event.kind {
    case .cycleStarted: cycleOpen.set(true)
    case .cycleFinished: cycleOpen.set(false)
    default: break
    }
    let t = terminal
    let prefix = t.styled("[\(event.stage)]", .cyan)
    let message = event.message ?? ""
    switch event.kind {
    case .output:
      return ("\(prefix) \(message)", false)
    case .pipelineStarted:
      return (t.styled("pipeline", .bold) + " \(message)", false)
    case .pipelineReloading:
      return (t.styled(message, .bold), false)
    case .watchReady:
      return ("\(prefix) \(message)", false)
    case .cycleStarted:
      return (t.styled("▶ ", .blue) + message, false)
    case .cycleJoined:
      return (t.styled("▶ + ", .blue) + message, false)
    case .stageStarted:
      // `$ COMMAND` only for a command that runs; the restart stage's app command line is
      // its `started … (pid N)` line.
      if let command = event.metadata["command_line"] ?? event.metadata["command"] {
        // A file name with a newline in `{files}` must not split the line.
        return ("\(prefix) " + t.styled("$ " + PathText.displayed(command), .dim), false)
      }
      return verbose && !message.isEmpty ? ("\(prefix) " + t.styled(message, .dim), false) : nil
    case .stageFailed:
      let reportedByCycle = event.metadata["continued"] != "true" && cycleOpen.isSet
      return reportedByCycle ? nil : (t.styled("✗ ", .red) + message, true)
    case .stageCancelled:
      // A run cut off by the stop is reported by the cycle's `■ … stopped before finishing`.
      if event.metadata["reason"] == "stopping" { return verbose ? ("\(prefix) " + t.styled(message, .dim), false) : nil }
      return (t.styled("↻ ", .yellow) + message, false)
    case .cycleFinished:
      switch event.metadata["result"] {
      case "ok": return (t.styled("✓ ", .green) + message, false)
      case "stopped": return (t.styled("■ ", .yellow) + message, false)
      default: return (t.styled("✗ ", .red) + message, true)
      }
    case .appStarted, .appExited:
      let help = event.metadata["help"].map { "\n  help: \($0)" } ?? ""
      return ("\(prefix) \(message)" + help, event.kind == .appExited && event.metadata["status"] != "0")
    case .batchDropped where event.metadata["reason"] == "busy":
      return ("\(prefix) " + t.styled(message, .yellow), false)
    case .appStopping, .appStopped, .changesDetected, .pipelineFileChanged, .batchDropped, .stageSucceeded:
      return verbose ? ("\(prefix) " + t.styled(message, .dim), false) : nil
    case .warning:
      let help = event.metadata["help"].map { "\n  help: \($0)" } ?? ""
      return (t.styled("warning: ", .yellow) + (event.stage == "pipeline" ? "" : "\(prefix) ") + message + help, true)
    case .error:
      let help = event.metadata["help"].map { "\n  help: \($0)" } ?? ""
      return (t.styled("error: ", .red) + (event.stage == "pipeline" ? "" : "\(prefix) ") + message + help, true)
    case .pipelineStopping, .pipelineStopped:
      return message.isEmpty ? nil : (t.styled(message, .dim), false)
    default:
      return message.isEmpty ? nil : ("\(prefix) \(message)", false)
    }
  }
}

/// A flag shared by the copies of a ``ConsoleRenderer``.
private final class OpenFlag: Sendable {
  private let value = Mutex(false)
  var isSet: Bool { value.withLock { $0 } }
  func set(_ newValue: Bool) { value.withLock { $0 = newValue } }
}
