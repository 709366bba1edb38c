/// Cuts one output stream into lines: without their `\n` (or `\r\n`), a last line without a
/// newline handed over at the end, and lines longer than ``maximumLineLength`` in pieces, so
/// a process that never writes a newline cannot make `pipeline` hold unbounded memory.
struct LineSplitter {
  static let maximumLineLength = 64 * 1024

  private var pending: [UInt8] = []

  /// Hands `body` every line that `bytes` completes.
  mutating func split(_ bytes: UnsafeRawBufferPointer, _ body: (String) -> Void) {
    var start = 0
    for position in 0..<bytes.count where bytes[position] == UInt8(ascii: "\n") {
      pending.append(contentsOf: bytes[start..<position])
      body(Self.text(pending))
      pending.removeAll(keepingCapacity: true)
      start = position + 1
    }
    pending.append(contentsOf: bytes[start..<bytes.count])
    if pending.count > Self.maximumLineLength {
      body(Self.text(pending))
      pending.removeAll(keepingCapacity: true)
    }
  }

  /// The stream ended: hands `body` the last line, if it had no newline.
  mutating func finish(_ body: (String) -> Void) {
    if !pending.isEmpty { body(Self.text(pending)) }
    pending = []
  }

  private static func text(_ bytes: [UInt8]) -> String {
    var slice = bytes[...]
    if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
    return String(decoding: slice, as: UTF8.self)
  }
}
