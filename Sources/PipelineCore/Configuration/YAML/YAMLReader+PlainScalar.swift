/// Why a plain scalar's line stopped.
enum YAMLPlainStop {
  /// At the end of the line (or of the text).
  case lineEnd
  /// At a `:` followed by a blank (or, in flow context, by `,[]{}`): the scalar was a key.
  case colon
  /// At a ` #` comment.
  case comment
  /// In flow context, at `,`, `[`, `]`, `{` or `}`.
  case flowIndicator
}

extension YAMLReader {
  /// Whether `character` (followed by `next`) can start a plain scalar: not an indicator,
  /// except `-`, `?` and `:` followed by a character that is part of the value (`-1`, `:x`).
  static func canStartPlain(_ character: Unicode.Scalar, next: Unicode.Scalar?, inFlow: Bool) -> Bool {
    switch character {
    case "-", "?", ":":
      guard let next, next != " ", next != "\t", next != "\n" else { return false }
      return !(inFlow && isFlowIndicator(next))
    case ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", " ", "\t", "\n":
      return false
    default:
      return true
    }
  }

  static func isFlowIndicator(_ character: Unicode.Scalar) -> Bool {
    character == "," || character == "[" || character == "]" || character == "{" || character == "}"
  }

  /// Reports a value that starts with a character no plain value may start with.
  mutating func checkPlainStart(inFlow: Bool) throws(Diagnostic) {
    guard let character = cursor.current, !Self.canStartPlain(character, next: cursor.peek(1), inFlow: inFlow) else {
      return
    }
    let here = location(cursor.position)
    switch character {
    case "]", "}": throw YAMLError.strayClosing(character, at: here)
    case ",": throw YAMLError.strayComma(at: here)
    case ":": throw YAMLError.missingKey(at: here)
    case "-": throw YAMLError.listItemNotAllowed(at: here)
    default: throw YAMLError.cannotStartValue(character, value: readWrittenValue(inFlow: inFlow), at: here)
    }
  }

  /// Reads the rest of a plain scalar's line, leaving the cursor on what stopped it; the text
  /// has no trailing spaces.
  mutating func scanPlainLine(inFlow: Bool) -> (String, YAMLPlainStop) {
    var text = String.UnicodeScalarView()
    var spaces = String.UnicodeScalarView()
    while true {
      guard let character = cursor.current, character != "\n" else { return (String(text), .lineEnd) }
      if character == " " || character == "\t" {
        spaces.append(character)
        cursor.advance()
        continue
      }
      if character == "#", !spaces.isEmpty { return (String(text), .comment) }
      if character == ":", cursor.isBlank(at: 1) || (inFlow && cursor.peek(1).map(Self.isFlowIndicator) == true) {
        return (String(text), .colon)
      }
      if inFlow, Self.isFlowIndicator(character) { return (String(text), .flowIndicator) }
      text.append(contentsOf: spaces)
      spaces.removeAll()
      text.append(character)
      cursor.advance()
    }
  }

  /// Reads a plain scalar in block context from the cursor, over the following lines
  /// indented more than `parentIndent` (folded: one line break is a space, more keep all but
  /// one). `owner` names what the value belongs to (`key`, `item`; `nil` at the top), for
  /// the message about a following line with `: ` that is indented more than it.
  mutating func readBlockPlainScalar(parentIndent: Int, valueStart: YAMLPosition, owner: String?) throws(Diagnostic) -> String {
    var (text, stop) = scanPlainLine(inFlow: false)
    while true {
      switch stop {
      case .colon: throw YAMLError.keyInValue(text: valueLine(from: valueStart), at: location(cursor.position))
      case .comment, .flowIndicator: return text
      case .lineEnd: break
      }
      var next = cursor
      var breaks = 0
      while next.current == "\n" {
        next.advance()
        breaks += 1
        while next.current == " " || next.current == "\t" { next.advance() }
      }
      guard breaks > 0, !next.isAtEnd, next.current != "#", !(next.column == 1 && next.isAtDocumentMarker),
        next.column - 1 > parentIndent
      else { return text }
      if let tab = next.tabInIndentation {
        throw YAMLError.tabIndentation(at: location(tab))
      }
      cursor = next
      let lineStart = cursor.position
      let (more, moreStop) = scanPlainLine(inFlow: false)
      if moreStop == .colon {
        guard let owner else { throw YAMLError.continuedTextWithKey(at: location(lineStart), textStart: location(valueStart)) }
        throw YAMLError.indentedMore(than: owner, at: location(lineStart))
      }
      text += breaks == 1 ? " " : String(repeating: "\n", count: breaks - 1)
      text += more
      stop = moreStop
    }
  }

  /// Reads a plain scalar in flow context, which may continue on following lines and ends
  /// at `,[]{}`, at `: ` or at a comment.
  mutating func readFlowPlainScalar() -> String {
    var (text, stop) = scanPlainLine(inFlow: true)
    while stop == .lineEnd {
      var next = cursor
      var breaks = 0
      while next.current == "\n" {
        next.advance()
        breaks += 1
        while next.current == " " || next.current == "\t" { next.advance() }
      }
      guard breaks > 0, let character = next.current, character != "#", !Self.isFlowIndicator(character),
        !(character == ":" && (next.isBlank(at: 1) || next.peek(1).map(Self.isFlowIndicator) == true)),
        !(next.column == 1 && next.isAtDocumentMarker)
      else { return text }
      cursor = next
      let (more, moreStop) = scanPlainLine(inFlow: true)
      text += breaks == 1 ? " " : String(repeating: "\n", count: breaks - 1)
      text += more
      stop = moreStop
    }
    return text
  }
}
