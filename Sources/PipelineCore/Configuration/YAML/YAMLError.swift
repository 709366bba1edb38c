/// The diagnostics of YAML that cannot be read, each saying what is wrong in plain words and
/// what to do. `Documentation/Errors.md` explains each one.
enum YAMLError {
  private static func invalid(_ location: SourceLocation, _ message: String, help: String) -> Diagnostic {
    Diagnostic(at: location, "invalid YAML: " + message, help: help)
  }

  private static let quoteHelp = "a value with ': ' or ' #' in it needs quotes"

  // MARK: Indentation

  static func tabIndentation(at location: SourceLocation) -> Diagnostic {
    invalid(location, "a tab cannot indent YAML; use spaces", help: "replace the tabs at the start of this line with spaces")
  }

  static func misalignedKey(at location: SourceLocation, keyColumn: Int) -> Diagnostic {
    invalid(
      location, "this line is indented more than the keys of the mapping above it (column \(keyColumn))",
      help: "line it up with the keys it belongs with, or indent it under a key that ends with ':'")
  }

  static func misalignedItem(at location: SourceLocation, itemColumn: Int) -> Diagnostic {
    invalid(
      location, "this line is indented more than the '- ' items of the list above it (column \(itemColumn))",
      help: "line it up with the '- ' of the items, or with the keys of the item it belongs to")
  }

  static func indentedMore(than owner: String, at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "this line is indented more than the \(owner) above it",
      help: "line it up with the keys above it; if it continues the value above, quote that value (\(quoteHelp))")
  }

  static func continuedTextWithKey(at location: SourceLocation, textStart: SourceLocation) -> Diagnostic {
    invalid(
      location, "this line has a 'key:', but it continues the text at \(textStart.line):\(textStart.column), which has no ':'",
      help: "end the key on the line above with ':', or quote the text (\(quoteHelp))")
  }

  static func itemAmongKeys(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "a list item ('- ') at the indentation of the keys above it",
      help: "a list is the value of a key: write the key (`stages:`) and the items under it")
  }

  static func notAnItem(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "this line is at the indentation of the list above but does not start with '- '",
      help: "start it with '- ' to add an item, or indent it under the item it belongs to")
  }

  static func expectedKey(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "this line has no 'key:', but the mapping above it expects one at this indentation",
      help: "write `key: value`; if the line continues the value above, indent it more than the key")
  }

  static func blockScalarIndentation(
    at location: SourceLocation, textColumn: Int, firstLine: SourceLocation?, indicator: SourceLocation
  ) -> Diagnostic {
    let firstText = firstLine.map { "its first line, \($0.line):\($0.column)" } ?? "the indentation given after its '|' or '>'"
    return invalid(
      location, "this line is indented less than the text of the block scalar at \(indicator.line):\(indicator.column) (column \(textColumn), as \(firstText))",
      help: "indent every line of the block at least as much as its first line; to end the block, line up this one with the keys above it")
  }

  static func badBlockScalarHeader(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "after '|' or '>' only '-', '+', an indentation digit and a comment may follow",
      help: "start the text of the block on the next line, indented")
  }

  // MARK: Keys and values

  static func keyInValue(text: String, at location: SourceLocation) -> Diagnostic {
    let quoted = text.contains("\"") ? "'" + text.replacing("'", with: "''") + "'"
      : "\"" + text.replacing("\\", with: "\\\\") + "\""
    return invalid(
      location, "this ': ' makes a second key inside a value",
      help: "a value with ': ' in it needs quotes: \(quoted)")
  }

  static func missingKey(at location: SourceLocation) -> Diagnostic {
    invalid(location, "a ':' with no key before it", help: "write the key before the ':' (`key: value`)")
  }

  static func listItemNotAllowed(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "a list item ('- ') cannot start here",
      help: "start the list on the next line, indented under its key; or write it as [a, b]; a value starting with '- ' needs quotes")
  }

  static func textAfterValue(_ what: String, at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "text after the \(what) on the same line",
      help: "remove it, or quote the whole value; a comment needs a space before its '#'")
  }

  static func textAfterDocument(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "text after the end of the document's value",
      help: "a pipeline file is one mapping (`stages:` …): line this up with its keys")
  }

  static func cannotStartValue(_ character: Unicode.Scalar, value: String, at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "a value cannot start with '\(character)'", help: "quote it: \"\(value.replacing("\"", with: "\\\""))\"")
  }

  static func strayClosing(_ character: Unicode.Scalar, at location: SourceLocation) -> Diagnostic {
    let opening = character == "]" ? "[" : "{"
    return invalid(
      location, "this '\(character)' closes nothing: no '\(opening)' is open here",
      help: "remove it, or add the '\(opening)' where the \(character == "]" ? "list" : "mapping") starts; a value starting with '\(character)' needs quotes")
  }

  static func strayComma(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "a ',' outside [ ] or { }",
      help: "a list written on one line needs brackets ([a, b]); a value starting with ',' needs quotes")
  }

  static func emptyFlowEntry(at location: SourceLocation) -> Diagnostic {
    invalid(location, "an empty entry: two ',' in a row, or a ',' first", help: "remove the extra ','")
  }

  static func duplicateKey(_ key: String, at location: SourceLocation) -> Diagnostic {
    Diagnostic(at: location, "duplicate key '\(key)'", help: "a key may appear once per mapping; remove one of them")
  }

  // MARK: Quotes and brackets

  static func unclosedQuote(at location: SourceLocation) -> Diagnostic {
    invalid(location, "this quoted value is not closed before the end of the file", help: "add the closing quote where the value ends")
  }

  /// A `[` or `{` not closed: `found` is where something else than `,` or the closing
  /// bracket came, `nil` at the end of the file.
  static func unclosedFlow(isList: Bool, at location: SourceLocation, found: SourceLocation?) -> Diagnostic {
    let (kind, closing) = isList ? ("list", "]") : ("mapping", "}")
    let problem = found.map { "at \($0.line):\($0.column) a ',' or '\(closing)' was expected" } ?? "the file ends before its '\(closing)'"
    return invalid(
      location, "this \(kind) is not closed: \(problem)",
      help: "add the '\(closing)' where the \(kind) ends; a value in it with ': ', ',' or a bracket needs quotes")
  }

  static func unknownEscape(_ escape: String, at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "'\(escape)' is not an escape in double quotes",
      help: "write '\\\\' for a backslash, or use single quotes, in which '\\' is just a character: 'C:\\dir'")
  }

  static func badEscape(_ escape: String, at location: SourceLocation, hexDigits: Int) -> Diagnostic {
    invalid(
      location, "'\(escape)' must be followed by \(hexDigits) hexadecimal digits of a Unicode character",
      help: "write it like \\x41, \\u00e9 or \\U0001F600, or write '\\\\' for a backslash")
  }

  // MARK: Anchors, aliases, tags and what is not supported

  static func badAnchorName(_ written: String, sign: Unicode.Scalar, at location: SourceLocation) -> Diagnostic {
    let kind = sign == "&" ? "anchor" : "alias"
    return invalid(
      location, "'\(written)' is read as a YAML \(kind), and an \(kind) name is letters, digits, '-' and '_'",
      help: "a value starting with `\(sign)` is read as a YAML \(kind); quote it: `\"\(written)\"`")
  }

  static func unknownAlias(_ name: String, at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "the alias '*\(name)' names no anchor: no '&\(name)' comes before it",
      help: "mark the value to reuse with `&\(name)` above this place; if '*\(name)' is meant as text, quote it: `\"*\(name)\"`")
  }

  static func aliasesExpandTooMuch(at location: SourceLocation) -> Diagnostic {
    invalid(location, "the aliases expand to too many values", help: "aliases of aliases multiply; reuse fewer levels")
  }

  static func twoAnchors(at location: SourceLocation) -> Diagnostic {
    invalid(location, "a second anchor on the same value", help: "give a value one '&name' at most")
  }

  static func unsupportedTag(_ tag: String, at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "tags such as '\(tag)' are not supported",
      help: "remove the tag; to make a value a string, quote it (or tag it !!str)")
  }

  static func complexKey(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "complex keys ('? ', or a list, mapping or alias as a key) are not supported",
      help: "write keys as plain text (`key: value`); a key starting with '?' needs quotes")
  }

  static func directive(at location: SourceLocation) -> Diagnostic {
    invalid(location, "directives ('%YAML', '%TAG') are not supported", help: "remove this line")
  }

  static func secondDocument(at location: SourceLocation) -> Diagnostic {
    invalid(
      location, "a second document starts here; a pipeline file holds one",
      help: "remove this '---' (and join the two parts), or move what follows into a file of its own")
  }

  static func tooDeep(at location: SourceLocation, limit: Int) -> Diagnostic {
    invalid(location, "lists and mappings nest more than \(limit) levels deep here", help: "flatten the value")
  }
}
