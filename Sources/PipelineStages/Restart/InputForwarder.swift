import FoundationEssentials
import PipelineCore
@preconcurrency import Glibc
import Synchronization

/// Hands what is typed into `pipeline` (its standard input) to the running app, for
/// `stdin: true`. `pipeline` keeps the terminal, so Ctrl-C still reaches it; the app reads
/// a pipe. What is typed while no instance runs (during a restart) is kept, up to 64 KiB,
/// for the next one. When `pipeline`'s input ends, forwarding stops, but no instance's input
/// is closed: an app that quits at end of file would quit at every start from then on.
final class InputForwarder: Sendable {
  private struct State {
    var target: ChildProcess?
    var pending: [UInt8] = []
    /// What ``TerminalInput`` gave for this forwarding, while it lasts.
    var forwarding: Int?
  }
  private static let pendingLimit = 64 * 1024
  private let state = Mutex(State())

  /// Takes `pipeline`'s standard input over (``TerminalInput``): from now on, what is typed
  /// goes to the app, and the line `rs` no longer runs the pipeline again.
  func start() {
    let id = TerminalInput.shared.forward { [self] bytes in deliver(bytes) }
    state.withLock { $0.forwarding = id }
  }

  /// Gives the input back, when the stage ends (a reload may start a pipeline that does not
  /// forward it).
  func stop() {
    guard let id = state.withLock({ $0.forwarding.take() }) else { return }
    TerminalInput.shared.stopForwarding(id)
  }

  /// Makes `process` the receiver; whatever was typed meanwhile goes to it first.
  func attach(_ process: ChildProcess) {
    let pending = state.withLock { state -> [UInt8] in
      state.target = process
      defer { state.pending = [] }
      return state.pending
    }
    if !pending.isEmpty { process.writeInput(pending) }
  }

  /// No instance runs until the next ``attach(_:)``.
  func detach() { state.withLock { $0.target = nil } }

  private func deliver(_ bytes: [UInt8]) {
    let target = state.withLock { state -> ChildProcess? in
      if state.target == nil {
        state.pending.append(contentsOf: bytes)
        if state.pending.count > Self.pendingLimit { state.pending.removeFirst(state.pending.count - Self.pendingLimit) }
      }
      return state.target
    }
    target?.writeInput(bytes)
  }
}
