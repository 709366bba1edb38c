/// The anchor (`&name`) and tag (`!!str`) written before a node.
struct YAMLNodeProperties {
  /// The anchor's name and where its `&` is.
  var anchor: (name: String, position: YAMLPosition)?
  /// Whether the node is tagged `!!str`: a string whatever it looks like.
  var isString = false
  /// Where the first property starts: the node's place, as YAML reports it.
  var start: YAMLPosition?

  var isEmpty: Bool { start == nil }
}

extension YAMLReader {
  /// The tags accepted and ignored: YAML's core tags, which say what the text already is.
  static let ignoredTags: Set<String> = ["!!int", "!!bool", "!!null", "!!float", "!!map", "!!seq"]

  /// Reads the anchor and tag at the cursor, in either order, and the spaces after them.
  /// In block context they may be followed by a line break (the node is then on the next
  /// lines); in flow context by a line break too.
  mutating func readProperties(inFlow: Bool) throws(Diagnostic) -> YAMLNodeProperties {
    var properties = YAMLNodeProperties()
    while let character = cursor.current, character == "&" || character == "!" {
      let start = cursor.position
      if properties.start == nil { properties.start = start }
      if character == "&" {
        guard properties.anchor == nil else { throw YAMLError.twoAnchors(at: location(start)) }
        let name = try readAnchorName(inFlow: inFlow)
        properties.anchor = (name, start)
      } else {
        let tag = readTag(inFlow: inFlow)
        if tag == "!!str" {
          properties.isString = true
        } else if !Self.ignoredTags.contains(tag) {
          throw YAMLError.unsupportedTag(tag, at: location(start))
        }
      }
      cursor.skipSpaces()
    }
    return properties
  }

  /// Reads `&name` or `*name` (the cursor on the sign) and returns the name. Names are
  /// letters, digits, `-` and `_`, followed by a blank, the end of the line or (in flow
  /// context) `,`, `]` or `}`: `*.go` is a glob someone forgot to quote.
  mutating func readAnchorName(inFlow: Bool) throws(Diagnostic) -> String {
    let start = cursor.position
    let sign = cursor.current ?? "*"
    cursor.advance()
    var name = String.UnicodeScalarView()
    while let character = cursor.current, Self.isAnchorCharacter(character) {
      name.append(character)
      cursor.advance()
    }
    let endsWell = cursor.isBlank() || (inFlow && [",", "]", "}"].contains(cursor.current))
      || (sign == "*" && cursor.current == ":")
    if name.isEmpty || !endsWell {
      let saved = cursor.position
      cursor.position = start
      let written = readWrittenValue(inFlow: inFlow)
      cursor.position = saved
      throw YAMLError.badAnchorName(written, sign: sign, at: location(start))
    }
    return String(name)
  }

  static func isAnchorCharacter(_ character: Unicode.Scalar) -> Bool {
    switch character {
    case "a"..."z", "A"..."Z", "0"..."9", "-", "_": return true
    default: return false
    }
  }

  /// Reads a tag (the cursor on its `!`): everything up to a blank (or a flow indicator).
  mutating func readTag(inFlow: Bool) -> String {
    var tag = String.UnicodeScalarView()
    while let character = cursor.current, !cursor.isBlank(), !(inFlow && [",", "]", "}", "[", "{"].contains(character)) {
      tag.append(character)
      cursor.advance()
    }
    return String(tag)
  }

  /// The value written at the cursor, up to a blank, `,`, `]` or `}` (in flow context): what
  /// a message quotes back.
  func readWrittenValue(inFlow: Bool) -> String {
    var copy = cursor
    var text = String.UnicodeScalarView()
    while let character = copy.current, !copy.isBlank(), !(inFlow && [",", "]", "}"].contains(character)) {
      text.append(character)
      copy.advance()
    }
    return String(text)
  }

  /// Reads an alias (the cursor on its `*`): a copy of the node anchored under its name.
  mutating func readAlias(inFlow: Bool) throws(Diagnostic) -> ConfigNode {
    let start = cursor.position
    let name = try readAnchorName(inFlow: inFlow)
    guard let node = anchors[name] else { throw YAMLError.unknownAlias(name, at: location(start)) }
    copiedNodes += node.nodeCount
    if copiedNodes > Self.maximumCopiedNodes {
      throw YAMLError.aliasesExpandTooMuch(at: location(start))
    }
    return node
  }

  /// Applies `properties` to a node just read: places it at the first property, makes it
  /// a string when tagged `!!str`, and registers its anchor.
  mutating func apply(_ properties: YAMLNodeProperties, to node: ConfigNode) -> ConfigNode {
    var node = node
    if let start = properties.start { node.location = location(start) }
    if properties.isString, case .scalar(let text, _) = node.value { node.value = .scalar(text, quoted: true) }
    if let anchor = properties.anchor { anchors[anchor.name] = node }
    return node
  }

  /// A plain scalar's node: null for nothing, `~` and `null` (unless tagged `!!str`).
  func plainNode(_ text: String, at position: YAMLPosition, _ properties: YAMLNodeProperties) -> ConfigNode {
    if !properties.isString, Self.nullSpellings.contains(text) { return ConfigNode(.null, at: location(position)) }
    return ConfigNode(.scalar(text, quoted: false), at: location(position))
  }

  static let nullSpellings: Set<String> = ["", "~", "null", "Null", "NULL"]
}

extension ConfigNode {
  /// How many nodes this one holds, itself included.
  var nodeCount: Int {
    switch value {
    case .scalar, .null: return 1
    case .sequence(let items): return items.reduce(1) { $0 + $1.nodeCount }
    case .mapping(let entries): return entries.reduce(1) { $0 + $1.value.nodeCount }
    }
  }
}
