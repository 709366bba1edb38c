import Dispatch
import PipelineCore
import Synchronization
@preconcurrency import Glibc

/// Turns SIGINT, SIGTERM and SIGHUP into a clean stop of the engine; a second one of them while
/// stopping kills every process group at once and exits. SIGQUIT (Ctrl-\\) kills every group
/// at once from the start: the way out when a clean stop is not wanted, which without a handler
/// would end `pipeline` with no word and leave its temporary folder behind.
///
/// Keep the instance alive while the engine runs: the dispatch sources live in it.
final class SignalHandling {
  private static let stopping: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  private let engine: RunningEngine
  private let terminal: TerminalWriter
  private let sources: [(number: Int32, source: any DispatchSourceSignal)]
  /// The first stop signal received; 0 before.
  private let first = Atomic<Int32>(0)

  /// - Parameter engine: The engine a stop signal stops: the one that runs at the time.
  init(engine: RunningEngine, terminal: TerminalWriter) {
    self.engine = engine
    self.terminal = terminal
    sources = (Self.stopping + [SIGQUIT]).map { ($0, DispatchSource.makeSignalSource(signal: $0, queue: .global())) }
  }

  func install() {
    signal(SIGPIPE, SIG_IGN)
    for (number, source) in sources {
      signal(number, SIG_IGN)
      let name = ProcessSignal(number: number).name
      source.setEventHandler { [weak self, engine, terminal] in
        guard let self else { return }
        if number == SIGQUIT {
          Self.killEverything(terminal, "\(name): killing everything now", status: 128 + number)
        }
        let (isFirst, earlier) = self.first.compareExchange(expected: 0, desired: number, ordering: .relaxed)
        if isFirst {
          engine.stop(reason: name)
        } else {
          Self.killEverything(terminal, "\(name) \(earlier == number ? "again" : "while stopping"): killing everything now", status: 128 + number)
        }
      }
      source.resume()
    }
  }

  private static func killEverything(_ terminal: TerminalWriter, _ line: String, status: Int32) -> Never {
    terminal.line(line, error: true)
    LiveProcessGroups.shared.killAll()
    terminal.flush(timeout: .milliseconds(300))
    exit(status)
  }
}
