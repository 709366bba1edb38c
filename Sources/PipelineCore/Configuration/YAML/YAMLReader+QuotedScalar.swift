extension YAMLReader {
  /// Reads a single- or double-quoted scalar (the cursor on its opening quote), over as many
  /// lines as it takes, and leaves the cursor after the closing quote.
  ///
  /// A line break inside is folded as YAML folds it: spaces around it are dropped, one
  /// break becomes a space, and each blank line a line break. In double quotes, `\` starts an
  /// escape, and a `\` at the end of a line joins the next line without a space.
  mutating func readQuotedScalar(inFlow: Bool) throws(Diagnostic) -> String {
    let opening = cursor.position
    let quote = cursor.current ?? "\""
    let isDouble = quote == "\""
    cursor.advance()
    var text = String.UnicodeScalarView()
    var spaces = String.UnicodeScalarView()
    while true {
      guard let character = cursor.current else {
        throw YAMLError.unclosedQuote(at: location(opening))
      }
      switch character {
      case quote where !isDouble && cursor.peek(1) == "'":
        text.append(contentsOf: spaces)
        spaces.removeAll()
        text.append("'")
        cursor.advance(by: 2)
      case quote:
        text.append(contentsOf: spaces)
        cursor.advance()
        return String(text)
      case " ", "\t":
        spaces.append(character)
        cursor.advance()
      case "\n":
        // Spaces before a break are not part of the value; the break folds.
        spaces.removeAll()
        text.append(contentsOf: try foldQuotedBreaks(opening: opening))
      case "\\" where isDouble:
        text.append(contentsOf: spaces)
        spaces.removeAll()
        if cursor.peek(1) == "\n" {
          cursor.advance()
          // An escaped line break: the lines join without a space; blank lines still count.
          let folded = try foldQuotedBreaks(opening: opening)
          if !folded.elementsEqual(" ".unicodeScalars) { text.append(contentsOf: folded) }
        } else {
          text.append(try readEscape())
        }
      default:
        text.append(contentsOf: spaces)
        spaces.removeAll()
        text.append(character)
        cursor.advance()
      }
    }
  }

  /// At a line break in a quoted scalar: skips it, the blank lines after it and the next
  /// line's leading spaces; a space for one break, or a line break per blank line.
  private mutating func foldQuotedBreaks(opening: YAMLPosition) throws(Diagnostic) -> String.UnicodeScalarView {
    var breaks = 0
    while cursor.current == "\n" {
      cursor.advance()
      breaks += 1
      if cursor.isAtDocumentMarker { throw YAMLError.unclosedQuote(at: location(opening)) }
      while cursor.current == " " || cursor.current == "\t" { cursor.advance() }
    }
    if breaks == 1 { return " ".unicodeScalars }
    return String(repeating: "\n", count: breaks - 1).unicodeScalars
  }

  /// Reads one escape (the cursor on its `\`) and returns the character it stands for.
  private mutating func readEscape() throws(Diagnostic) -> Unicode.Scalar {
    let start = cursor.position
    cursor.advance()
    guard let code = cursor.current else { throw YAMLError.unclosedQuote(at: location(start)) }
    cursor.advance()
    switch code {
    case "0": return "\u{0}"
    case "a": return "\u{7}"
    case "b": return "\u{8}"
    case "t", "\t": return "\t"
    case "n": return "\n"
    case "v": return "\u{B}"
    case "f": return "\u{C}"
    case "r": return "\r"
    case "e": return "\u{1B}"
    case " ": return " "
    case "\"": return "\""
    case "/": return "/"
    case "\\": return "\\"
    case "N": return "\u{85}"
    case "_": return "\u{A0}"
    case "L": return "\u{2028}"
    case "P": return "\u{2029}"
    case "x", "u", "U":
      let length = code == "x" ? 2 : code == "u" ? 4 : 8
      var value: UInt32 = 0
      for _ in 0..<length {
        guard let digit = cursor.current, let digitValue = Self.hexValue(digit) else {
          throw YAMLError.badEscape("\\\(code)", at: location(start), hexDigits: length)
        }
        value = value * 16 + digitValue
        cursor.advance()
      }
      guard let scalar = Unicode.Scalar(value) else {
        throw YAMLError.badEscape("\\\(code)", at: location(start), hexDigits: length)
      }
      return scalar
    default:
      throw YAMLError.unknownEscape("\\\(code)", at: location(start))
    }
  }

  private static func hexValue(_ digit: Unicode.Scalar) -> UInt32? {
    switch digit {
    case "0"..."9": return digit.value - 48
    case "a"..."f": return digit.value - 87
    case "A"..."F": return digit.value - 55
    default: return nil
    }
  }
}
