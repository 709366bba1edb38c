import PipelineCore

/// Reads JSON text (RFC 8259) into a ``JSONValue``, and says where it breaks when it is not
/// JSON: FoundationEssentials' `JSONDecoder` gives no place, and `package.json` mistakes are
/// reported at theirs.
enum JSONText {
  /// Why and where (a 0-based offset in the UTF-8 bytes) the text is not JSON.
  struct SyntaxError: Error, Equatable {
    var offset: Int
    var problem: String
  }

  /// The value `text` holds, which must be one JSON value with only whitespace around it.
  static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
    var reader = Reader(bytes: Array(text.utf8))
    reader.skipWhitespace()
    let value = try reader.value(depth: 0)
    reader.skipWhitespace()
    guard reader.isAtEnd else { throw reader.error("unexpected text after the JSON value") }
    return value
  }

  private struct Reader {
    let bytes: [UInt8]
    var offset = 0
    /// Deeper than this is refused rather than risking the stack.
    static let depthLimit = 512

    var isAtEnd: Bool { offset >= bytes.count }
    var current: UInt8? { isAtEnd ? nil : bytes[offset] }

    func error(_ problem: String) -> SyntaxError { SyntaxError(offset: offset, problem: problem) }

    mutating func skipWhitespace() {
      while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
    }

    mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
      guard depth < Self.depthLimit else { throw error("nested too deeply") }
      switch current {
      case nil: throw error("unexpected end of file")
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try word("true"); return .bool(true)
      case UInt8(ascii: "f"): try word("false"); return .bool(false)
      case UInt8(ascii: "n"): try word("null"); return .null
      case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return .number(try number())
      case let byte?: throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
      }
    }

    mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
      offset += 1
      var members: [String: JSONValue] = [:]
      skipWhitespace()
      if current == UInt8(ascii: "}") {
        offset += 1
        return .object(members)
      }
      while true {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
        let key = try string()
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
        offset += 1
        skipWhitespace()
        members[key] = try value(depth: depth + 1)
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","): offset += 1
        case UInt8(ascii: "}"): offset += 1; return .object(members)
        case nil: throw error("unexpected end of file: the object is not closed")
        default: throw error("expected ',' or '}'")
        }
      }
    }

    mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
      offset += 1
      var items: [JSONValue] = []
      skipWhitespace()
      if current == UInt8(ascii: "]") {
        offset += 1
        return .array(items)
      }
      while true {
        skipWhitespace()
        items.append(try value(depth: depth + 1))
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","): offset += 1
        case UInt8(ascii: "]"): offset += 1; return .array(items)
        case nil: throw error("unexpected end of file: the array is not closed")
        default: throw error("expected ',' or ']'")
        }
      }
    }

    mutating func word(_ expected: String) throws(SyntaxError) {
      for byte in expected.utf8 {
        guard current == byte else { throw error("unexpected character") }
        offset += 1
      }
    }

    mutating func number() throws(SyntaxError) -> String {
      let start = offset
      func digits(_ reader: inout Reader) -> Int {
        let first = reader.offset
        while let byte = reader.current, (0x30...0x39).contains(byte) { reader.offset += 1 }
        return reader.offset - first
      }
      if current == UInt8(ascii: "-") { offset += 1 }
      let integer = offset
      guard digits(&self) > 0 else { throw error("expected a digit") }
      if bytes[integer] == UInt8(ascii: "0"), offset - integer > 1 {
        offset = integer + 1
        throw error("a number cannot start with 0")
      }
      if current == UInt8(ascii: ".") {
        offset += 1
        guard digits(&self) > 0 else { throw error("expected a digit after '.'") }
      }
      if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
        offset += 1
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
        guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
      }
      return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    mutating func string() throws(SyntaxError) -> String {
      let opening = offset
      offset += 1
      var scalars = String.UnicodeScalarView()
      var runStart = offset
      func flush(_ reader: Reader, upTo end: Int) {
        scalars.append(contentsOf: String(decoding: reader.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
      }
      while true {
        guard let byte = current else {
          offset = opening
          throw error("this string is not closed")
        }
        switch byte {
        case UInt8(ascii: "\""):
          flush(self, upTo: offset)
          offset += 1
          return String(scalars)
        case UInt8(ascii: "\\"):
          flush(self, upTo: offset)
          offset += 1
          scalars.append(try escape())
          runStart = offset
        case 0..<0x20:
          throw error("a control character must be escaped in a string")
        default:
          offset += 1
        }
      }
    }

    mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
      guard let byte = current else { throw error("unexpected end of file") }
      offset += 1
      switch byte {
      case UInt8(ascii: "\""): return "\""
      case UInt8(ascii: "\\"): return "\\"
      case UInt8(ascii: "/"): return "/"
      case UInt8(ascii: "b"): return "\u{08}"
      case UInt8(ascii: "f"): return "\u{0C}"
      case UInt8(ascii: "n"): return "\n"
      case UInt8(ascii: "r"): return "\r"
      case UInt8(ascii: "t"): return "\t"
      case UInt8(ascii: "u"):
        let unit = try hexUnit()
        if (0xD800..<0xDC00).contains(unit), current == UInt8(ascii: "\\"),
          offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u")
        {
          let mark = offset
          offset += 2
          let low = try hexUnit()
          if (0xDC00..<0xE000).contains(low) {
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
          }
          offset = mark
        }
        return Unicode.Scalar(unit) ?? "\u{FFFD}"
      default:
        offset -= 2  // at the backslash
        throw error("unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
      }
    }

    mutating func hexUnit() throws(SyntaxError) -> UInt32 {
      var unit: UInt32 = 0
      for _ in 0..<4 {
        guard let byte = current, let digit = UInt32(String(Unicode.Scalar(byte)), radix: 16) else {
          throw error("expected four hexadecimal digits after \\u")
        }
        unit = unit << 4 | digit
        offset += 1
      }
      return unit
    }
  }
}
