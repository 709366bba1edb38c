@preconcurrency import Glibc
import Synchronization

/// What is typed into `pipeline`: its standard input, read by one thread for the whole run,
/// so that the engines a reload puts one after another share it.
///
/// - A `restart` stage with `stdin: true` takes the bytes as they come, for its app
///   (``forward(to:)``).
/// - Otherwise the input is read as lines, and the line `rs` (as in nodemon) runs the
///   pipeline again (``onRunAgain(_:)``). Other lines are ignored.
///
/// While standard input is a terminal that another process group has in the foreground
/// (`pipeline run &`), nothing is read: a read would stop `pipeline` with `SIGTTIN`. The
/// thread looks again every second, so `fg` brings the input back. At end of file (Ctrl-D,
/// `< /dev/null`) the thread ends.
public final class TerminalInput: Sendable {
  /// The process's standard input.
  public static let shared = TerminalInput(descriptor: STDIN_FILENO)

  /// The line that runs the pipeline again.
  public static let runAgainLine = "rs"

  private struct Receiver {
    let id: Int
    let deliver: @Sendable ([UInt8]) -> Void
  }

  private struct State {
    var isReading = false
    var receiver: Receiver?
    var nextID = 0
    var runAgain: (@Sendable () -> Void)?
    /// The line typed so far, when no receiver takes the bytes. At most ``lineLimit``.
    var line: [UInt8] = []
  }

  /// A longer line is no command: what is beyond is not kept.
  private static let lineLimit = 256
  private let descriptor: Int32
  private let state = Mutex(State())

  init(descriptor: Int32) { self.descriptor = descriptor }

  /// Starts reading, once; later calls do nothing.
  public func start() {
    let first = state.withLock { state in
      defer { state.isReading = true }
      return !state.isReading
    }
    guard first else { return }
    startDetachedThread(named: "pipeline-stdin") { [self] in readUntilEnd() }
  }

  /// Hands every byte read from now on to `deliver` (on the reading thread), until
  /// ``stopForwarding(_:)``; a later call takes the input over. Starts reading.
  ///
  /// - Returns: what to give ``stopForwarding(_:)``.
  public func forward(to deliver: @escaping @Sendable ([UInt8]) -> Void) -> Int {
    let id = state.withLock { state in
      state.nextID += 1
      state.receiver = Receiver(id: state.nextID, deliver: deliver)
      state.line = []
      return state.nextID
    }
    start()
    return id
  }

  /// Ends the forwarding that returned `id`, unless a later one took the input over.
  public func stopForwarding(_ id: Int) {
    state.withLock { state in
      if state.receiver?.id == id { state.receiver = nil }
    }
  }

  /// What the line `rs` does from now on; `nil`: nothing.
  public func onRunAgain(_ action: (@Sendable () -> Void)?) {
    state.withLock { $0.runAgain = action }
  }

  private func readUntilEnd() {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      if isatty(descriptor) == 1, tcgetpgrp(descriptor) != getpgrp() {
        sleep(1)
        continue
      }
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      // A terminal that went to the background between the check and the read.
      if count < 0 && errno == EIO && isatty(descriptor) == 1 {
        sleep(1)
        continue
      }
      guard count > 0 else { return }
      take(buffer[..<count])
    }
  }

  private func take(_ bytes: ArraySlice<UInt8>) {
    enum Action {
      case deliver(@Sendable ([UInt8]) -> Void)
      case runAgain(@Sendable () -> Void)
    }
    var actions: [Action] = []
    state.withLock { state in
      if let receiver = state.receiver {
        actions.append(.deliver(receiver.deliver))
        return
      }
      for byte in bytes {
        guard byte == UInt8(ascii: "\n") else {
          if state.line.count < Self.lineLimit { state.line.append(byte) }
          continue
        }
        let isRunAgain = Self.trimmed(state.line).elementsEqual(Self.runAgainLine.utf8)
        state.line = []
        if isRunAgain, let runAgain = state.runAgain { actions.append(.runAgain(runAgain)) }
      }
    }
    for action in actions {
      switch action {
      case .deliver(let deliver): deliver(Array(bytes))
      case .runAgain(let runAgain): runAgain()
      }
    }
  }

  /// `line` without the blanks around it (and a terminal's `\r`).
  private static func trimmed(_ line: [UInt8]) -> ArraySlice<UInt8> {
    let blanks: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
    guard let first = line.firstIndex(where: { !blanks.contains($0) }),
      let last = line.lastIndex(where: { !blanks.contains($0) })
    else { return [] }
    return line[first...last]
  }
}
