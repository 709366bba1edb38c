/// Where a block node starts, which decides what it may be.
enum YAMLBlockContext {
  /// First on its line: a mapping (`key: …`) or a list (`- …`) may start here.
  case newLine
  /// After `- ` on the same line: a compact mapping (`- stage: build`) or list (`- - a`).
  case afterDash
  /// After `key: ` on the same line: a scalar, a flow collection or an alias only.
  case afterKey
  /// After `---` on the same line.
  case documentStart

  var allowsKeys: Bool { self == .newLine || self == .afterDash }
}

extension YAMLReader {
  /// Reads the value after an indicator (`key:`, `- `, `---`): on the same line, on the
  /// following more-indented lines, or nothing.
  ///
  /// - Parameters:
  ///   - parentIndent: the indentation of the collection the value is in (-1 at the top).
  ///   - emptyAt: where an empty value is placed: just after the indicator.
  mutating func blockValue(parentIndent: Int, emptyAt: YAMLPosition, context: YAMLBlockContext) throws(Diagnostic)
    -> ConfigNode
  {
    cursor.skipSpaces()
    let valueStart = cursor.position
    var properties = YAMLNodeProperties()
    if cursor.current == "&" || cursor.current == "!" {
      properties = try readProperties(inFlow: false)
    }
    guard skipToLineEnd() else {
      // Read again by blockNode: on the line of a key, an anchor or tag is the key's.
      cursor.position = valueStart
      return try blockNode(parentIndent: parentIndent, properties: YAMLNodeProperties(), context: context)
    }
    return try blockNodeOnNextLines(parentIndent: parentIndent, emptyAt: properties.start ?? emptyAt, properties: properties,
                                    allowsIndentlessList: context == .afterKey)
  }

  /// Reads the node that starts on a following line, when one is indented more than
  /// `parentIndent` (or is a `- ` item at `parentIndent` under a key); else an empty value.
  private mutating func blockNodeOnNextLines(
    parentIndent: Int, emptyAt: YAMLPosition, properties: YAMLNodeProperties, allowsIndentlessList: Bool
  ) throws(Diagnostic) -> ConfigNode {
    try skipToContent()
    let indent = cursor.column - 1
    let isIndentlessList = allowsIndentlessList && indent == parentIndent && cursor.current == "-" && cursor.isBlank(at: 1)
    guard !cursor.isAtEnd, !cursor.isAtDocumentMarker, indent > parentIndent || isIndentlessList else {
      return apply(properties, to: plainNode("", at: emptyAt, properties))
    }
    return try blockNode(parentIndent: parentIndent, properties: properties, context: .newLine)
  }

  /// Reads the block node at the cursor (which is on its first character).
  mutating func blockNode(parentIndent: Int, properties: YAMLNodeProperties, context: YAMLBlockContext) throws(Diagnostic)
    -> ConfigNode
  {
    var properties = properties
    let keyAllowed = context.allowsKeys
    // `properties` come from an earlier line (`key: &a` above a mapping): an anchor or tag on
    // the line of a key belongs to the key, and readBlockKey reads it.
    if keyAllowed, cursor.current != "-" || !cursor.isBlank(at: 1), let key = try readBlockKey() {
      let mapping = try blockMapping(indent: key.location.column - 1, firstKey: key)
      return apply(properties, to: mapping)
    }
    if cursor.current == "&" || cursor.current == "!" {
      let more = try readProperties(inFlow: false)
      if let anchor = more.anchor {
        if properties.anchor != nil { throw YAMLError.twoAnchors(at: location(anchor.position)) }
        properties.anchor = anchor
      }
      properties.isString = properties.isString || more.isString
      if properties.start == nil { properties.start = more.start }
      if skipToLineEnd() {
        return try blockNodeOnNextLines(parentIndent: parentIndent, emptyAt: properties.start ?? cursor.position,
                                        properties: properties, allowsIndentlessList: false)
      }
    }
    let start = cursor.position
    guard let character = cursor.current else { return apply(properties, to: plainNode("", at: start, properties)) }
    switch character {
    case "-" where cursor.isBlank(at: 1):
      guard keyAllowed else { throw YAMLError.listItemNotAllowed(at: location(start)) }
      return apply(properties, to: try blockSequence(indent: start.column - 1))
    case "?" where cursor.isBlank(at: 1):
      throw YAMLError.complexKey(at: location(start))
    case "|", ">":
      let text = try readBlockScalar(parentIndent: parentIndent)
      return apply(properties, to: ConfigNode(.scalar(text, quoted: true), at: location(start)))
    case "[", "{":
      let node = try flowCollection()
      try expectLineEnd(after: .flowCollection, startedAt: start)
      return apply(properties, to: node)
    case "*":
      let node = try readAlias(inFlow: false)
      try expectLineEnd(after: .alias, startedAt: start)
      return node
    case "\"", "'":
      let text = try readQuotedScalar(inFlow: false)
      try expectLineEnd(after: .quoted, startedAt: start)
      return apply(properties, to: ConfigNode(.scalar(text, quoted: true), at: location(start)))
    default:
      try checkPlainStart(inFlow: false)
      let text = try readBlockPlainScalar(
        parentIndent: parentIndent, valueStart: start, owner: parentIndent < 0 ? nil : context == .afterDash ? "item" : "key")
      return apply(properties, to: plainNode(text, at: start, properties))
    }
  }

  /// Checks that only spaces or a comment follow a value on its line.
  private mutating func expectLineEnd(after what: YAMLClosedValue, startedAt start: YAMLPosition) throws(Diagnostic) {
    cursor.skipSpaces()
    if cursor.current == ":", cursor.isBlank(at: 1) {
      if what == .quoted {
        throw YAMLError.keyInValue(text: valueLine(from: start), at: location(cursor.position))
      }
      throw YAMLError.complexKey(at: location(start))
    }
    guard skipToLineEnd() else { throw YAMLError.textAfterValue(what.rawValue, at: location(cursor.position)) }
  }

  /// The text of the line from `start`, without a trailing comment: a value to quote back.
  func valueLine(from start: YAMLPosition) -> String {
    var copy = cursor
    copy.position = start
    var text = copy.restOfLine
    if let comment = text.firstRange(of: " #") { text = String(text[..<comment.lowerBound]) }
    while text.last == " " || text.last == "\t" { text.removeLast() }
    return text
  }

  /// A `key:` at the cursor (with the anchor or tag before it), the cursor left on its `:`;
  /// `nil`, with the cursor where it was, when the line does not start with a key.
  mutating func readBlockKey() throws(Diagnostic) -> YAMLKey? {
    let saved = cursor.position
    let properties = try readProperties(inFlow: false)
    let start = cursor.position
    let text: String
    let quoted: Bool
    switch cursor.current {
    case "\"", "'":
      let value = try readQuotedScalar(inFlow: false)
      cursor.skipSpaces()
      guard cursor.line == start.line, cursor.current == ":", cursor.isBlank(at: 1) else {
        cursor.position = saved
        return nil
      }
      text = value
      quoted = true
    case let character? where Self.canStartPlain(character, next: cursor.peek(1), inFlow: false):
      let (value, stop) = scanPlainLine(inFlow: false)
      guard stop == .colon else {
        cursor.position = saved
        return nil
      }
      text = value
      quoted = false
    default:
      cursor.position = saved
      return nil
    }
    let keyStart = properties.start ?? start
    _ = apply(properties, to: ConfigNode(.scalar(text, quoted: quoted), at: location(start)))
    return YAMLKey(text: text, quoted: quoted || properties.isString, location: location(keyStart))
  }

  /// Reads a block mapping whose keys are at `indent`, from its first key (the cursor on
  /// that key's `:`) to the first line indented less.
  mutating func blockMapping(indent: Int, firstKey: YAMLKey) throws(Diagnostic) -> ConfigNode {
    try enterNesting(at: cursor.position)
    defer { depth -= 1 }
    var builder = YAMLMappingBuilder()
    var key = firstKey
    while true {
      cursor.advance()
      let value = try blockValue(parentIndent: indent, emptyAt: cursor.position, context: .afterKey)
      try builder.add(key, value)
      try skipToContent()
      if cursor.isAtEnd || cursor.isAtDocumentMarker || cursor.column - 1 < indent { break }
      let lineStart = location(cursor.position)
      if cursor.column - 1 > indent { throw YAMLError.misalignedKey(at: lineStart, keyColumn: indent + 1) }
      if cursor.current == "-", cursor.isBlank(at: 1) { throw YAMLError.itemAmongKeys(at: lineStart) }
      if cursor.current == "?", cursor.isBlank(at: 1) { throw YAMLError.complexKey(at: lineStart) }
      guard let next = try readBlockKey() else { throw YAMLError.expectedKey(at: lineStart) }
      key = next
    }
    return builder.node(at: firstKey.location)
  }

  /// Reads a block list whose `- ` are at `indent` (the cursor on the first `-`).
  mutating func blockSequence(indent: Int) throws(Diagnostic) -> ConfigNode {
    let start = cursor.position
    try enterNesting(at: start)
    defer { depth -= 1 }
    var items: [ConfigNode] = []
    while true {
      cursor.advance()
      items.append(try blockValue(parentIndent: indent, emptyAt: cursor.position, context: .afterDash))
      try skipToContent()
      if cursor.isAtEnd || cursor.isAtDocumentMarker || cursor.column - 1 < indent { break }
      if cursor.column - 1 > indent { throw YAMLError.misalignedItem(at: location(cursor.position), itemColumn: indent + 1) }
      guard cursor.current == "-", cursor.isBlank(at: 1) else { break }
    }
    return ConfigNode(.sequence(items), at: location(start))
  }
}

/// A mapping key as read: its text, whether it was quoted, and its place.
struct YAMLKey {
  var text: String
  var quoted: Bool
  var location: SourceLocation
}

/// A value whose end is marked (by a quote, a bracket, or its name's end), after which only a
/// comment may follow on its line.
enum YAMLClosedValue: String {
  case quoted = "quoted value"
  case flowCollection = "list or mapping"
  case alias
}
