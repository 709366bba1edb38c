/// A place in the text being read: the index of a character and its 1-based line and column
/// (the column counts Unicode scalars, as `PipelineFileText` does).
struct YAMLPosition: Sendable, Hashable {
  var index: Int
  var line: Int
  var column: Int

  /// The column's 0-based count of the characters before it: a line's indentation when the
  /// position is the line's first character.
  var indent: Int { column - 1 }
}

/// Walks the characters of a YAML text, keeping the line and column of the current one.
///
/// The text is normalised once: a leading byte-order mark is dropped (it is no column) and
/// CRLF or a lone CR becomes LF, so the reader sees `\n` breaks only.
struct YAMLCursor {
  private let characters: [Unicode.Scalar]
  /// Where the cursor is; assign a saved one to go back.
  var position = YAMLPosition(index: 0, line: 1, column: 1)

  init(_ text: String) {
    var characters: [Unicode.Scalar] = []
    characters.reserveCapacity(text.unicodeScalars.count)
    var previousWasCR = false
    for scalar in text.unicodeScalars {
      if characters.isEmpty, !previousWasCR, scalar == "\u{FEFF}" { continue }
      if scalar == "\r" {
        characters.append("\n")
        previousWasCR = true
        continue
      }
      if scalar == "\n", previousWasCR {
        previousWasCR = false
        continue
      }
      previousWasCR = false
      characters.append(scalar)
    }
    self.characters = characters
  }

  var line: Int { position.line }
  var column: Int { position.column }
  var isAtEnd: Bool { position.index >= characters.count }
  /// The current character; `nil` at the end.
  var current: Unicode.Scalar? { character(at: position.index) }

  /// The character `offset` places after the current one; `nil` past the end.
  func peek(_ offset: Int) -> Unicode.Scalar? { character(at: position.index + offset) }

  private func character(at index: Int) -> Unicode.Scalar? {
    index >= 0 && index < characters.count ? characters[index] : nil
  }

  /// Moves past the current character.
  mutating func advance() {
    guard let character = current else { return }
    position.index += 1
    if character == "\n" {
      position.line += 1
      position.column = 1
    } else {
      position.column += 1
    }
  }

  mutating func advance(by count: Int) {
    for _ in 0..<count { advance() }
  }

  /// Whether the character at `offset` is a space, a tab, a line break or the end.
  func isBlank(at offset: Int = 0) -> Bool {
    guard let character = peek(offset) else { return true }
    return character == " " || character == "\t" || character == "\n"
  }

  /// Whether the current character is a line break or the end.
  var isAtLineEnd: Bool { current == nil || current == "\n" }

  /// Skips spaces and tabs on the current line.
  mutating func skipSpaces() {
    while current == " " || current == "\t" { advance() }
  }

  /// Whether only spaces and tabs stand between the start of the current line and the cursor.
  var isInIndentation: Bool {
    var index = position.index - 1
    while index >= 0, characters[index] != "\n" {
      if characters[index] != " " && characters[index] != "\t" { return false }
      index -= 1
    }
    return true
  }

  /// The first tab between the start of the current line and the cursor, if any.
  var tabInIndentation: YAMLPosition? {
    let start = position.index - (position.column - 1)
    for index in start..<position.index where characters[index] == "\t" {
      return YAMLPosition(index: index, line: position.line, column: index - start + 1)
    }
    return nil
  }

  /// Whether a document marker (`---` or `...` at the start of a line, followed by a blank)
  /// is at the cursor.
  var isAtDocumentMarker: Bool { isAtDocumentStart || isAtDocumentEnd }
  var isAtDocumentStart: Bool { isMarker("-") }
  var isAtDocumentEnd: Bool { isMarker(".") }

  private func isMarker(_ character: Unicode.Scalar) -> Bool {
    position.column == 1 && current == character && peek(1) == character && peek(2) == character && isBlank(at: 3)
  }

  /// The text of the current line from the cursor to its end.
  var restOfLine: String {
    var text = String.UnicodeScalarView()
    var index = position.index
    while index < characters.count, characters[index] != "\n" {
      text.append(characters[index])
      index += 1
    }
    return String(text)
  }
}
