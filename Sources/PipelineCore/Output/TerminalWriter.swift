@preconcurrency import Glibc
import Synchronization

/// Writes whole lines to standard output or error, so that `pipeline`'s lines and its
/// children's stay in order.
///
/// A line is written at once, with one `write`, except on the engine's thread when the writer
/// was made with `defersOnEngineThread`: there the lines of one turn of the engine are
/// gathered and written together when the thread has nothing left to do
/// (``EngineExecutor/whenIdle(_:)``). A save's console lines (what changed, the build's
/// command line) then go out after the build's command has been asked for, not before it
/// on the way from the save to the restart, and wake whatever reads them (a terminal, a log
/// pipe) once instead of once a line. A line written from any other thread first writes the
/// gathered ones, so the order is kept.
///
/// Made with `writesOnOwnThread`, the writer never blocks on the console: the bytes go to a
/// thread of its own (``ConsoleQueue``), and a console that stops reading costs lines, said
/// in a note, instead of stopping the pipeline.
public final class TerminalWriter: Sendable {
  /// Whether ANSI colours are used: a TTY, and `NO_COLOR` unset or empty.
  public let usesColor: Bool
  private let defersOnEngineThread: Bool
  private let standardOutput: Int32
  private let standardError: Int32
  private let pending = Mutex(PendingLines())
  private let queue: ConsoleQueue?

  /// Lines not yet written, all for one descriptor.
  private struct PendingLines {
    var bytes: [UInt8] = []
    var descriptor: Int32 = 1
    /// Whether a write of them is asked of the engine's thread.
    var isScheduled = false

    /// Writes the gathered bytes, if any, through `send`.
    mutating func write(_ send: (_ bytes: [UInt8], _ descriptor: Int32) -> Void) {
      guard !bytes.isEmpty else { return }
      send(bytes, descriptor)
      bytes.removeAll(keepingCapacity: true)
    }
  }

  /// - Parameters:
  ///   - usesColor: `nil`: colours on a TTY unless `NO_COLOR` is set to a value.
  ///   - defersOnEngineThread: gather the engine thread's lines until it is idle (`pipeline
  ///     run`); call ``flush()`` once the engine has stopped.
  ///   - writesOnOwnThread: write on a thread of its own, never blocking the caller
  ///     (`pipeline run`); call ``flush()`` before exiting.
  ///   - standardOutput, standardError: where lines go (tests give pipes).
  public init(
    usesColor: Bool? = nil, defersOnEngineThread: Bool = false, writesOnOwnThread: Bool = false,
    standardOutput: Int32 = 1, standardError: Int32 = 2
  ) {
    self.usesColor = usesColor ?? (isatty(standardOutput) == 1 && !Self.noColorIsSet)
    self.defersOnEngineThread = defersOnEngineThread
    self.standardOutput = standardOutput
    self.standardError = standardError
    queue = writesOnOwnThread ? ConsoleQueue(write: { bytes, descriptor in Self.writeAll(bytes, to: descriptor) }) : nil
  }

  /// Writes `line` and a newline to standard output (standard error when `error` is true).
  public func line(_ line: String, error: Bool = false) {
    let descriptor = error ? standardError : standardOutput
    let defers = defersOnEngineThread && EngineExecutor.isCurrentThread
    let mustSchedule = pending.withLock { pending -> Bool in
      if pending.descriptor != descriptor || !defers {
        pending.write(send)
        pending.descriptor = descriptor
      }
      guard defers else {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        send(bytes, to: descriptor)
        return false
      }
      pending.bytes.append(contentsOf: line.utf8)
      pending.bytes.append(UInt8(ascii: "\n"))
      defer { pending.isScheduled = true }
      return !pending.isScheduled
    }
    if mustSchedule { EngineExecutor.shared.whenIdle { [self] in flushScheduled() } }
  }

  /// Writes the lines gathered on the engine's thread, if any; with `writesOnOwnThread`,
  /// waits until the console took everything, for at most `timeout`.
  public func flush(timeout: Duration = .seconds(1)) {
    pending.withLock { $0.write(send) }
    queue?.drain(timeout: timeout)
  }

  private func flushScheduled() {
    pending.withLock { pending in
      pending.isScheduled = false
      pending.write(send)
    }
  }

  /// Writes, or queues for the console's thread.
  private func send(_ bytes: [UInt8], to descriptor: Int32) {
    if let queue { queue.enqueue(bytes, to: descriptor) } else { Self.writeAll(bytes, to: descriptor) }
  }

  private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    _ = bytes.withUnsafeBytes { FileBytes.writeAll($0, to: descriptor) }
  }

  /// `text` wrapped in an ANSI style when colours are on.
  public func styled(_ text: String, _ style: Style) -> String {
    usesColor ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
  }

  public enum Style: String, Sendable {
    case bold = "1"
    case dim = "2"
    case red = "31"
    case green = "32"
    case yellow = "33"
    case blue = "34"
    case magenta = "35"
    case cyan = "36"
  }
}

extension TerminalWriter {
  /// Whether `NO_COLOR` turns colours off: set and not empty, as https://no-color.org says
  /// (`NO_COLOR=` alone leaves them on).
  static var noColorIsSet: Bool {
    guard let value = getenv("NO_COLOR") else { return false }
    return value.pointee != 0
  }
}
