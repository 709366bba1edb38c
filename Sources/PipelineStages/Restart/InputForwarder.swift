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
  }
  private static let pendingLimit = 64 * 1024
  private let state = Mutex(State())

  /// Starts reading `pipeline`'s standard input on a thread of its own, until end of file.
  func start() {
    startDetachedThread(named: "pipeline-stdin") { [self] in
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        // End of file (Ctrl-D, or `< /dev/null`): nothing more to forward.
        if count <= 0 { return }
        deliver(Array(buffer[..<count]))
      }
    }
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
