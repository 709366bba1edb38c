import Yams

/// Turns the YAML parser's tree into ``ConfigNode``s, and its errors into ``Diagnostic``s.
package enum YAMLNodeConverter {
  /// Parses `text`; `nil` for an empty document.
  package static func parse(_ text: String, file: String) throws(Diagnostic) -> ConfigNode? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw diagnostic(for: error, text: text, file: file)
    } catch {
      throw Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(error)")
    }
    guard let root else { return nil }
    return try convert(root, file: file)
  }

  static func convert(_ node: Node, file: String) throws(Diagnostic) -> ConfigNode {
    let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    switch node {
    case .scalar(let scalar):
      let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        || scalar.style == .literal || scalar.style == .folded
      if !quoted, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
        return ConfigNode(.null, at: location)
      }
      return ConfigNode(.scalar(scalar.string, quoted: quoted), at: location)
    case .sequence(let sequence):
      var items: [ConfigNode] = []
      for item in sequence { items.append(try convert(item, file: file)) }
      return ConfigNode(.sequence(items), at: location)
    case .mapping(let mapping):
      var entries: [ConfigNode.Entry] = []
      var merged: [ConfigNode.Entry] = []
      for pair in mapping {
        if case .scalar(let keyScalar) = pair.key, keyScalar.string == "<<",
          keyScalar.style != .singleQuoted, keyScalar.style != .doubleQuoted
        {
          merged += try mergedEntries(pair.value, file: file)
          continue
        }
        let key = try convert(pair.key, file: file)
        let keyText: String
        if case .scalar(let text, _) = key.value { keyText = text } else { keyText = "" }
        entries.append(ConfigNode.Entry(key: keyText, keyLocation: key.location, value: try convert(pair.value, file: file)))
      }
      // The YAML merge key: a merged entry is added only where the mapping (or an earlier
      // merged mapping) does not already have its key.
      for entry in merged where !entries.contains(where: { $0.key == entry.key }) { entries.append(entry) }
      return ConfigNode(.mapping(entries), at: location)
    case .alias:
      return ConfigNode(.null, at: location)
    }
  }

  /// The entries `<<: VALUE` merges: those of a mapping, or of each mapping of a list, the
  /// first mapping winning over later ones.
  static func mergedEntries(_ value: Node, file: String) throws(Diagnostic) -> [ConfigNode.Entry] {
    let node = try convert(value, file: file)
    let mappings: [ConfigNode]
    switch node.value {
    case .mapping: mappings = [node]
    case .sequence(let items): mappings = items
    default: mappings = [node]
    }
    var entries: [ConfigNode.Entry] = []
    for mapping in mappings {
      guard case .mapping(let more) = mapping.value else {
        throw Diagnostic(
          at: mapping.location, "the merge key '<<' takes a mapping or a list of mappings, got \(mapping.kindDescription)",
          help: "mark a mapping with an anchor (`- &defaults stage: build`) and merge it with `<<: *defaults`")
      }
      entries += more.filter { entry in !entries.contains { $0.key == entry.key } }
    }
    return entries
  }

  static func diagnostic(for error: YamlError, text: String, file: String) -> Diagnostic {
    func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
    let help = "check the indentation and quoting around this place (a value with ': ' or '#' needs quotes)"
    switch error {
    case .scanner(let context?, let problem, _, _) where problem.contains("end of stream") && context.text.contains("quoted scalar"):
      // The end of the file is where the scanner gave up, not where the mistake is: the
      // quote that opened at the context's mark was never closed.
      return Diagnostic(
        at: at(context.mark), "invalid YAML: this quoted value is not closed before the end of the file",
        help: "add the closing quote where the value ends")
    case .scanner(let context?, let problem, _, _) where context.text.contains("alias") || context.text.contains("anchor"):
      // `include: [*.go]`: to YAML a plain value starting with `*` names an alias (and `&`
      // an anchor), so the scanner fails on the `.` after it.
      let value = plainValue(at: context.mark, in: text)
      let sign = value.first.map(String.init) ?? "*"
      return Diagnostic(
        at: at(context.mark), "invalid YAML: \(problem)",
        help: "a value starting with `\(sign)` is read as a YAML \(sign == "&" ? "anchor" : "alias"); quote it: `\"\(value)\"`")
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return Diagnostic(at: at(mark), "invalid YAML: \(problem)", help: help)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      let location = secondOccurrence(ofKey: key, in: text, after: context.mark.line)
        .map { SourceLocation(file: file, line: $0.line, column: $0.column) } ?? at(context.mark)
      return Diagnostic(
        at: location, "duplicate key '\(key)'", help: "a key may appear once per mapping; remove one of them")
    case .reader(let problem, _, _, _):
      return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(problem)",
                        help: "the file must be UTF-8 text")
    default:
      return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
    }
  }

  /// The plain value written at `mark`: up to a space, `,`, `]`, `}` or the end of the line.
  static func plainValue(at mark: Mark, in text: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard mark.line >= 1, mark.line <= lines.count else { return "" }
    let line = lines[mark.line - 1].unicodeScalars
    let rest = line.dropFirst(max(0, mark.column - 1))
    return String(String.UnicodeScalarView(rest.prefix { !" \t,]}\r".unicodeScalars.contains($0) }))
  }

  /// Where `key:` is written for the second time at or after `line` (same indentation as
  /// the first), so a duplicate is reported where it is, not at the start of its mapping.
  static func secondOccurrence(ofKey key: String, in text: String, after line: Int) -> (line: Int, column: Int)? {
    var seen: Int?
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where index + 1 >= line {
      var content = rawLine.drop { $0 == " " }
      var column = rawLine.count - content.count + 1
      if content.hasPrefix("- ") {
        content = content.dropFirst(2).drop { $0 == " " }
        column = rawLine.count - content.count + 1
      }
      let candidates = [key + ":", "\"\(key)\":", "'\(key)':"]
      guard candidates.contains(where: { content.hasPrefix($0) }) else { continue }
      if let first = seen, first == column { return (index + 1, column) }
      if seen == nil { seen = column }
    }
    return nil
  }
}
