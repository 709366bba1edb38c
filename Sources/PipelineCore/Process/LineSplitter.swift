/// Cuts one output stream into lines: without their `\n` (or `\r\n`), a last line without a
/// newline handed over at the end, and lines longer than ``maximumLineLength`` in pieces of at
/// most that many bytes (cut between characters), so
/// a process that never writes a newline cannot make `pipeline` hold unbounded memory.
struct LineSplitter {
  /// The longest line handed over whole, unless a process asks for another
  /// (``ProcessLaunch/standardOutputLineLimit``).
  static let defaultMaximumLineLength = ProcessLaunch.defaultLineLimit

  /// Lines longer than this many bytes are handed over in pieces.
  let maximumLineLength: Int
  private var pending: [UInt8] = []

  init(maximumLineLength: Int = Self.defaultMaximumLineLength) {
    self.maximumLineLength = max(maximumLineLength, 8)
  }

  /// Hands `body` every line that `bytes` completes.
  mutating func split(_ bytes: UnsafeRawBufferPointer, _ body: (String) -> Void) {
    var start = 0
    for position in 0..<bytes.count where bytes[position] == UInt8(ascii: "\n") {
      pending.append(contentsOf: bytes[start..<position])
      handOverLongPieces(body)
      body(Self.text(pending))
      // A line far longer than usual (allowed by a raised limit) does not keep its memory
      // for as long as the process runs.
      if pending.capacity > 2 * Self.defaultMaximumLineLength {
        pending = []
      } else {
        pending.removeAll(keepingCapacity: true)
      }
      start = position + 1
    }
    pending.append(contentsOf: bytes[start..<bytes.count])
    handOverLongPieces(body)
  }

  /// Hands `body` pieces of the pending line until at most ``maximumLineLength`` bytes are left:
  /// a line may end in a later read than the one that made it too long.
  private mutating func handOverLongPieces(_ body: (String) -> Void) {
    while pending.count > maximumLineLength {
      // At most the maximum, cut between characters: never inside one's UTF-8 bytes.
      var cut = maximumLineLength
      while cut > maximumLineLength - 4, pending[cut] & 0xC0 == 0x80 { cut -= 1 }
      body(Self.text(Array(pending[..<cut])))
      pending.removeFirst(cut)
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
