/// Reads the YAML of a pipeline file into ``ConfigNode``s, with the line and column of every
/// value and key.
///
/// It reads what YAML 1.2 reads for the constructs a configuration uses: block mappings and
/// lists, flow collections (`[a, b]`, `{k: v}`), plain, quoted and block (`|`, `>`) scalars,
/// comments, anchors, aliases and merge keys (`<<: *a`). Values stay text: `quoted` tells a
/// value written in quotes (or as a block scalar, or tagged `!!str`) from a plain one, and
/// the stages decide what a plain `5` or `true` means. Complex keys (`? `), directives (`%`),
/// tags other than YAML's own `!!` ones and a second document are reported as not supported.
///
/// Every mistake is a ``Diagnostic`` at the place it is, saying what to do.
struct YAMLReader {
  /// The file named in diagnostics.
  let file: String
  var cursor: YAMLCursor
  /// The nodes anchored so far (`&name`), for aliases (`*name`) to copy.
  var anchors: [String: ConfigNode] = [:]
  /// How many nodes aliases have copied so far, to stop an exponential expansion.
  var copiedNodes = 0
  /// How deep collections are nested here, to stop before the stack does.
  var depth = 0

  static let maximumDepth = 256
  static let maximumCopiedNodes = 1_000_000

  init(_ text: String, file: String) {
    self.file = file
    self.cursor = YAMLCursor(text)
  }

  /// Reads the single document of the text; `nil` when it holds no value (only comments,
  /// blank lines or nothing).
  mutating func readDocument() throws(Diagnostic) -> ConfigNode? {
    try skipToContent()
    guard !cursor.isAtEnd else { return nil }
    if cursor.column == 1, cursor.current == "%" {
      throw YAMLError.directive(at: location(cursor.position))
    }
    let root: ConfigNode
    if cursor.isAtDocumentEnd {
      cursor.advance(by: 3)
      try expectEndOfStream()
      return nil
    } else if cursor.isAtDocumentStart {
      cursor.advance(by: 3)
      let afterMarker = cursor.position
      root = try blockValue(parentIndent: -1, emptyAt: afterMarker, context: .documentStart)
    } else {
      root = try blockNode(parentIndent: -1, properties: YAMLNodeProperties(), context: .newLine)
    }
    try skipToContent()
    if cursor.isAtDocumentEnd {
      cursor.advance(by: 3)
    }
    try expectEndOfStream(after: root)
    return root
  }

  /// Checks that nothing but comments and blank lines follows the document.
  private mutating func expectEndOfStream(after root: ConfigNode? = nil) throws(Diagnostic) {
    try skipToContent()
    guard !cursor.isAtEnd else { return }
    if cursor.isAtDocumentStart { throw YAMLError.secondDocument(at: location(cursor.position)) }
    if let root, case .sequence = root.value, root.location.column == cursor.column {
      throw YAMLError.notAnItem(at: location(cursor.position))
    }
    throw YAMLError.textAfterDocument(at: location(cursor.position))
  }

  /// The source location of `position` in this file.
  func location(_ position: YAMLPosition) -> SourceLocation {
    SourceLocation(file: file, line: position.line, column: position.column)
  }

  /// Skips spaces, tabs, comments and line breaks up to the next content (or the end).
  ///
  /// - Parameter checkingTabs: in block context a tab may not indent a line that has
  ///   content; in flow context whitespace is free.
  mutating func skipToContent(checkingTabs: Bool = true) throws(Diagnostic) {
    while let character = cursor.current {
      if character == " " || character == "\t" || character == "\n" {
        cursor.advance()
      } else if character == "#", cursor.position.index == 0 || cursor.isBlank(at: -1) {
        while !cursor.isAtLineEnd { cursor.advance() }
      } else {
        break
      }
    }
    if checkingTabs, !cursor.isAtEnd, cursor.isInIndentation, let tab = cursor.tabInIndentation {
      throw YAMLError.tabIndentation(at: location(tab))
    }
  }

  /// Skips spaces and a comment to the end of the current line; `false` when something else
  /// is on it (the cursor then stands on that).
  mutating func skipToLineEnd() -> Bool {
    cursor.skipSpaces()
    if cursor.current == "#", cursor.isBlank(at: -1) {
      while !cursor.isAtLineEnd { cursor.advance() }
    }
    return cursor.isAtLineEnd
  }

  /// Enters one more level of nesting, or reports that the text nests too deeply.
  mutating func enterNesting(at position: YAMLPosition) throws(Diagnostic) {
    depth += 1
    if depth > Self.maximumDepth { throw YAMLError.tooDeep(at: location(position), limit: Self.maximumDepth) }
  }
}

extension YAMLReader {
  /// Reads `text` (named `file` in diagnostics); `nil` when it holds no value.
  static func read(_ text: String, file: String) throws(Diagnostic) -> ConfigNode? {
    var reader = YAMLReader(text, file: file)
    return try reader.readDocument()
  }
}
