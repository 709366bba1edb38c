@preconcurrency import Glibc
import Synchronization

/// Writes whole lines to standard output or error with one `write` each, never buffered,
/// so `pipeline`'s lines and its children's stay in order.
public final class TerminalWriter: Sendable {
  /// Whether ANSI colours are used: a TTY, and `NO_COLOR` unset.
  public let usesColor: Bool
  private let lock = Mutex(())

  public init(usesColor: Bool? = nil) {
    self.usesColor = usesColor ?? (isatty(1) == 1 && getenv("NO_COLOR") == nil)
  }

  /// Writes `line` and a newline to fd 1 (or 2 when `error` is true).
  public func line(_ line: String, error: Bool = false) {
    var bytes = Array(line.utf8)
    bytes.append(UInt8(ascii: "\n"))
    lock.withLock { _ in
      bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
          let written = write(error ? 2 : 1, buffer.baseAddress! + offset, buffer.count - offset)
          if written < 0 {
            if errno == EINTR { continue }
            return
          }
          offset += written
        }
      }
    }
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
