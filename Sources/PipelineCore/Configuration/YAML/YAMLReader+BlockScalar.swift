extension YAMLReader {
  /// Reads a literal (`|`) or folded (`>`) block scalar, the cursor on its indicator, and
  /// leaves the cursor on the first line that is not part of it.
  ///
  /// The header may add a chomping indicator (`-` strips the final line breaks, `+` keeps
  /// them all, none keeps one) and an indentation digit (the text's indentation relative to
  /// `parentIndent`; without it, the first non-blank line's), then a comment.
  mutating func readBlockScalar(parentIndent: Int) throws(Diagnostic) -> String {
    let indicator = cursor.position
    let isLiteral = cursor.current == "|"
    cursor.advance()
    var chomping: Character?
    var increment: Int?
    while let character = cursor.current, !cursor.isBlank() {
      if (character == "-" || character == "+"), chomping == nil {
        chomping = Character(character)
      } else if ("1"..."9").contains(character), increment == nil {
        increment = Int(character.value - 48)
      } else {
        throw YAMLError.badBlockScalarHeader(at: location(cursor.position))
      }
      cursor.advance()
    }
    guard skipToLineEnd() else { throw YAMLError.badBlockScalarHeader(at: location(cursor.position)) }
    cursor.advance()

    var indent = increment.map { parentIndent >= 0 ? parentIndent + $0 : $0 } ?? 0
    var text = String.UnicodeScalarView()
    var leadingBreak = String.UnicodeScalarView()
    var trailingBreaks = String.UnicodeScalarView()
    var leadingBlank = false
    var firstLine: YAMLPosition?

    try readBlockScalarBreaks(indent: &indent, parentIndent: parentIndent, into: &trailingBreaks, detecting: increment == nil)
    while cursor.column - 1 == indent, !cursor.isAtEnd, !cursor.isAtDocumentMarker {
      if firstLine == nil { firstLine = cursor.position }
      let trailingBlank = cursor.current == " " || cursor.current == "\t"
      if !isLiteral, leadingBreak.first == "\n", !leadingBlank, !trailingBlank {
        if trailingBreaks.isEmpty { text.append(" ") }
        leadingBreak.removeAll()
      } else {
        text.append(contentsOf: leadingBreak)
        leadingBreak.removeAll()
      }
      text.append(contentsOf: trailingBreaks)
      trailingBreaks.removeAll()
      leadingBlank = cursor.current == " " || cursor.current == "\t"
      while let character = cursor.current, character != "\n" {
        text.append(character)
        cursor.advance()
      }
      guard !cursor.isAtEnd else { break }
      leadingBreak.append("\n")
      cursor.advance()
      try readBlockScalarBreaks(indent: &indent, parentIndent: parentIndent, into: &trailingBreaks, detecting: false)
    }
    if chomping != "-" { text.append(contentsOf: leadingBreak) }
    if chomping == "+" { text.append(contentsOf: trailingBreaks) }

    // A line that ends the block is less indented than its text: it must belong to a
    // collection around it, so it cannot be indented more than the key or item above.
    if !cursor.isAtEnd, cursor.current != "#", cursor.current != "\n", cursor.column - 1 > parentIndent,
      cursor.column - 1 < indent
    {
      throw YAMLError.blockScalarIndentation(
        at: location(cursor.position), textColumn: indent + 1, firstLine: firstLine.map(location), indicator: location(indicator))
    }
    return String(text)
  }

  /// Skips the indentation of the lines up to the next one with text, collecting the line
  /// breaks of the blank ones; when `detecting`, sets `indent` to the text's indentation.
  private mutating func readBlockScalarBreaks(
    indent: inout Int, parentIndent: Int, into breaks: inout String.UnicodeScalarView, detecting: Bool
  ) throws(Diagnostic) {
    var maximumIndent = 0
    while true {
      while (indent == 0 || cursor.column - 1 < indent), cursor.current == " " { cursor.advance() }
      maximumIndent = max(maximumIndent, cursor.column - 1)
      if indent == 0 || cursor.column - 1 < indent, cursor.current == "\t" {
        // A tab among the spaces that indent the text; after them it is text.
        var probe = cursor
        while probe.current == " " || probe.current == "\t" { probe.advance() }
        if !probe.isAtLineEnd { throw YAMLError.tabIndentation(at: location(cursor.position)) }
      }
      guard cursor.current == "\n" || (cursor.current == "\t" && lineIsBlank()) else { break }
      while cursor.current == " " || cursor.current == "\t" { cursor.advance() }
      guard cursor.current == "\n" else { break }
      breaks.append("\n")
      cursor.advance()
    }
    if detecting, indent == 0 { indent = max(maximumIndent, parentIndent + 1, 1) }
  }

  /// Whether only spaces and tabs are left on the current line.
  private func lineIsBlank() -> Bool {
    var probe = cursor
    while probe.current == " " || probe.current == "\t" { probe.advance() }
    return probe.isAtLineEnd
  }
}
