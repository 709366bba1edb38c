import FoundationEssentials
@preconcurrency import Glibc
import Synchronization

/// Writes each event as one JSON object per line (the `--events PATH` file).
///
/// Fields: `ts` (UTC, ISO 8601 with milliseconds), `stage`, `event`, then `message` and
/// `paths` when present, then the event's metadata as string fields. Each line is written
/// with a single `write`, so a reader tailing the file never sees half a line.
public final class JSONLinesEventLog: EventSink {
  private let descriptor: Mutex<Int32>

  /// Creates (or truncates) the file at `path`.
  public init(path: String) throws(Diagnostic) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw Diagnostic(
        at: nil, "cannot write the events file \(path): \(String(cString: strerror(errno)))",
        help: "check that its folder exists and is writable")
    }
    descriptor = Mutex(fd)
  }

  deinit { descriptor.withLock { _ = close($0) } }

  public func emit(_ event: Event) {
    var bytes = Array(Self.encode(event).utf8)
    bytes.append(UInt8(ascii: "\n"))
    descriptor.withLock { fd in
      bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
          let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
          if written < 0 {
            if errno == EINTR { continue }
            return
          }
          offset += written
        }
      }
    }
  }

  /// The JSON object for `event`, without a newline.
  public static func encode(_ event: Event) -> String {
    var fields: [(String, String)] = [
      ("ts", quote(timestamp(event.time))), ("stage", quote(event.stage)),
      ("event", quote(event.kind.rawValue)),
    ]
    if let message = event.message { fields.append(("message", quote(message))) }
    if !event.paths.isEmpty {
      fields.append(("paths", "[" + event.paths.map(quote).joined(separator: ",") + "]"))
    }
    for (key, value) in event.metadata.sorted(by: { $0.key < $1.key })
    where !["ts", "stage", "event", "message", "paths"].contains(key) {
      fields.append((key, quote(value)))
    }
    return "{" + fields.map { quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
  }

  /// `2026-11-21T10:00:00.123Z`.
  static func timestamp(_ date: Date) -> String {
    let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    var seconds = time_t(totalMilliseconds / 1000)
    let milliseconds = Int(totalMilliseconds % 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int = 2) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
      + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(milliseconds), 3))Z"
  }

  /// A JSON string literal.
  static func quote(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
