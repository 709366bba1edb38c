import PipelineCore
import Synchronization

/// Holds a new process's output lines until the line announcing it is out, so that the
/// announcement (`[restart] started ./tmp/main (pid 4242)`) always comes before anything
/// the process writes.
///
/// The order cannot be left to timing: the output reader starts with the process, before
/// the launch returns its pid, and an app that prints at once would otherwise win the race.
///
/// ```swift
/// let gate = StartedLineGate { channel, line in context.output(line, channel: channel) }
/// let process = try ChildProcess.launch(launch) { channel, line in gate.pass(line, channel: channel) }
/// gate.open { context.emit(.appStarted, "started … (pid \(process.pid))") }
/// ```
final class StartedLineGate: Sendable {
  private struct State {
    var open = false
    var held: [(channel: OutputChannel, line: String)] = []
  }
  private let state = Mutex(State())
  private let deliver: @Sendable (OutputChannel, String) -> Void

  /// - Parameter deliver: what to do with each line, in order, once the gate is open.
  init(deliver: @escaping @Sendable (OutputChannel, String) -> Void) {
    self.deliver = deliver
  }

  /// A line from the process: delivered now when the gate is open, kept until it opens
  /// otherwise.
  func pass(_ line: String, channel: OutputChannel) {
    state.withLock { state in
      if state.open {
        deliver(channel, line)
      } else {
        state.held.append((channel, line))
      }
    }
  }

  /// Calls `announce`, then delivers the lines kept so far, and from then on every line as
  /// it comes. No line can slip in between: both happen under the gate's lock.
  func open(after announce: () -> Void) {
    state.withLock { state in
      announce()
      for held in state.held { deliver(held.channel, held.line) }
      state.held = []
      state.open = true
    }
  }
}
