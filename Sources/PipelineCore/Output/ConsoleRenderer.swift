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
public struct ConsoleRenderer: EventSink {
  let terminal: TerminalWriter
  let verbose: Bool

  public init(terminal: TerminalWriter, verbose: Bool = false) {
    self.terminal = terminal
    self.verbose = verbose
  }

  public func emit(_ event: Event) {
    guard let text = render(event) else { return }
    terminal.line(text.line, error: text.isError)
  }

  func render(_ event: Event) -> (line: String, isError: Bool)? {
    let t = terminal
    let prefix = t.styled("[\(event.stage)]", .cyan)
    let message = event.message ?? ""
    switch event.kind {
    case .output:
      return ("\(prefix) \(message)", false)
    case .pipelineStarted:
      return (t.styled("pipeline", .bold) + " \(message)", false)
    case .watchReady:
      return ("\(prefix) \(message)", false)
    case .cycleStarted:
      return (t.styled("▶ ", .blue) + message, false)
    case .stageStarted:
      return verbose || event.metadata["command"] != nil
        ? ("\(prefix) " + t.styled("$ " + (event.metadata["command"] ?? message), .dim), false) : nil
    case .stageFailed:
      return (t.styled("✗ ", .red) + message, true)
    case .stageCancelled:
      return (t.styled("↻ ", .yellow) + message, false)
    case .cycleFinished:
      switch event.metadata["result"] {
      case "ok": return (t.styled("✓ ", .green) + message, false)
      case "stopped": return (t.styled("■ ", .yellow) + message, false)
      default: return (t.styled("✗ ", .red) + message, false)
      }
    case .appStarted, .appExited:
      return ("\(prefix) \(message)", event.kind == .appExited && event.metadata["status"] != "0")
    case .appStopping, .appStopped, .changesDetected, .batchDropped, .stageSucceeded:
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
