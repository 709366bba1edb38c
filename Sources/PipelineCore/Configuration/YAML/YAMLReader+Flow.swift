extension YAMLReader {
  /// Reads a flow list (`[a, b]`) or mapping (`{k: v}`), the cursor on its opening bracket,
  /// over as many lines as it takes; leaves the cursor after the closing one.
  mutating func flowCollection() throws(Diagnostic) -> ConfigNode {
    let opening = cursor.position
    let isList = cursor.current == "["
    let closing: Unicode.Scalar = isList ? "]" : "}"
    try enterNesting(at: opening)
    defer { depth -= 1 }
    cursor.advance()
    var items: [ConfigNode] = []
    var builder = YAMLMappingBuilder()
    while true {
      try skipFlowSpace(opening: opening, isList: isList)
      if cursor.current == closing {
        cursor.advance()
        break
      }
      if cursor.current == "," { throw YAMLError.emptyFlowEntry(at: location(cursor.position)) }
      let entryStart = cursor.position
      if isList {
        let item = try flowNode()
        try skipFlowSpace(opening: opening, isList: isList)
        if cursor.current == ":" {
          // `[a: b]`: a mapping of one pair inside the list.
          let key = try flowKey(from: item)
          var pair = YAMLMappingBuilder()
          try pair.add(key, try flowValue(opening: opening, isList: isList))
          items.append(pair.node(at: location(entryStart)))
        } else {
          items.append(item)
        }
      } else {
        if cursor.current == "?", cursor.isBlank(at: 1) { throw YAMLError.complexKey(at: location(cursor.position)) }
        let keyNode = try flowNode()
        let key = try flowKey(from: keyNode)
        try skipFlowSpace(opening: opening, isList: isList)
        if cursor.current == ":" {
          try builder.add(key, try flowValue(opening: opening, isList: isList))
        } else {
          try builder.add(key, ConfigNode(.null, at: location(cursor.position)))
        }
      }
      try skipFlowSpace(opening: opening, isList: isList)
      if cursor.current == "," {
        cursor.advance()
      } else if cursor.current != closing {
        throw YAMLError.unclosedFlow(isList: isList, at: location(opening), found: location(cursor.position))
      }
    }
    return isList ? ConfigNode(.sequence(items), at: location(opening)) : builder.node(at: location(opening))
  }

  /// Reads a `: value` in a flow collection (the cursor on the `:`); an empty value is null
  /// at the `,` or closing bracket that follows.
  private mutating func flowValue(opening: YAMLPosition, isList: Bool) throws(Diagnostic) -> ConfigNode {
    cursor.advance()
    try skipFlowSpace(opening: opening, isList: isList)
    if cursor.current == "," || cursor.current == "]" || cursor.current == "}" {
      return ConfigNode(.null, at: location(cursor.position))
    }
    return try flowNode()
  }

  /// A key of a flow mapping, from the node read for it: a scalar (or nothing).
  private func flowKey(from node: ConfigNode) throws(Diagnostic) -> YAMLKey {
    switch node.value {
    case .scalar(let text, let quoted): return YAMLKey(text: text, quoted: quoted, location: node.location)
    case .null: return YAMLKey(text: "", quoted: false, location: node.location)
    case .sequence, .mapping: throw YAMLError.complexKey(at: node.location)
    }
  }

  /// Skips spaces, line breaks and comments inside a flow collection; the end of the text
  /// there means the collection was never closed.
  private mutating func skipFlowSpace(opening: YAMLPosition, isList: Bool) throws(Diagnostic) {
    try skipToContent(checkingTabs: false)
    if cursor.isAtEnd || cursor.isAtDocumentMarker {
      let found = cursor.isAtEnd ? nil : location(cursor.position)
      throw YAMLError.unclosedFlow(isList: isList, at: location(opening), found: found)
    }
  }

  /// Reads one value inside a flow collection.
  mutating func flowNode() throws(Diagnostic) -> ConfigNode {
    var properties = YAMLNodeProperties()
    if cursor.current == "&" || cursor.current == "!" {
      properties = try readProperties(inFlow: true)
      try skipToContent(checkingTabs: false)
    }
    let start = cursor.position
    guard let character = cursor.current else { return apply(properties, to: plainNode("", at: start, properties)) }
    switch character {
    case "[", "{":
      return apply(properties, to: try flowCollection())
    case "*":
      return try readAlias(inFlow: true)
    case "\"", "'":
      let text = try readQuotedScalar(inFlow: true)
      return apply(properties, to: ConfigNode(.scalar(text, quoted: true), at: location(start)))
    case _ where Self.isFlowIndicator(character) && !properties.isEmpty:
      // `[&a, b]` or `[!!str]`: properties on nothing.
      return apply(properties, to: plainNode("", at: start, properties))
    case ":" where !Self.canStartPlain(character, next: cursor.peek(1), inFlow: true):
      // `{: v}`: an empty key.
      return apply(properties, to: plainNode("", at: start, properties))
    default:
      try checkPlainStart(inFlow: true)
      let text = readFlowPlainScalar()
      return apply(properties, to: plainNode(text, at: start, properties))
    }
  }
}
