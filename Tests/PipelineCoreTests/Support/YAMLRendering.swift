import PipelineCore

/// A `ConfigNode` written out on one line with every place, so a test can pin a whole tree:
/// `{key@L:C: value}@L:C`, `[item, …]@L:C`, `"text"@L:C` for a plain scalar, `'text'@L:C`
/// for a quoted one (also a block scalar or `!!str`), `~@L:C` for null, `nil` for no
/// document.
enum YAMLRendering {
  static func render(_ node: ConfigNode?) -> String {
    guard let node else { return "nil" }
    let place = "@\(node.location.line):\(node.location.column)"
    switch node.value {
    case .scalar(let text, let quoted):
      let escaped = text.unicodeScalars.map { $0 == "\n" ? "\\n" : $0 == "\t" ? "\\t" : String($0) }.joined()
      return (quoted ? "'\(escaped)'" : "\"\(escaped)\"") + place
    case .null:
      return "~" + place
    case .sequence(let items):
      return "[" + items.map { render($0) }.joined(separator: ", ") + "]" + place
    case .mapping(let entries):
      let pairs = entries.map { "\($0.key)@\($0.keyLocation.line):\($0.keyLocation.column): \(render($0.value))" }
      return "{" + pairs.joined(separator: ", ") + "}" + place
    }
  }
}
