/// Collects a mapping's entries as they are read: reports a key written twice, and applies
/// the merge key `<<`.
struct YAMLMappingBuilder {
  private var entries: [ConfigNode.Entry] = []
  private var merged: [ConfigNode.Entry] = []
  private var keys: Set<String> = []

  /// Adds `key: value`; `<<` (unquoted) merges `value`'s entries instead.
  mutating func add(_ key: YAMLKey, _ value: ConfigNode) throws(Diagnostic) {
    guard keys.insert(key.text).inserted else { throw YAMLError.duplicateKey(key.text, at: key.location) }
    if key.text == "<<", !key.quoted {
      merged += try Self.mergedEntries(value)
      return
    }
    entries.append(ConfigNode.Entry(key: key.text, keyLocation: key.location, value: value))
  }

  /// The mapping: its own entries, then each merged entry whose key it does not have.
  func node(at location: SourceLocation) -> ConfigNode {
    var all = entries
    for entry in merged where !all.contains(where: { $0.key == entry.key }) { all.append(entry) }
    return ConfigNode(.mapping(all), at: location)
  }

  /// The entries `<<: VALUE` merges: those of a mapping, or of each mapping of a list, the
  /// first mapping winning over later ones.
  static func mergedEntries(_ node: ConfigNode) throws(Diagnostic) -> [ConfigNode.Entry] {
    let mappings: [ConfigNode]
    switch node.value {
    case .sequence(let items): mappings = items
    default: mappings = [node]
    }
    var entries: [ConfigNode.Entry] = []
    for mapping in mappings {
      guard case .mapping(let more) = mapping.value else {
        throw Diagnostic(
          at: mapping.location, "the merge key '<<' takes a mapping or a list of mappings, got \(mapping.kindDescription)",
          help: "anchor a mapping (`x-defaults: &defaults {signal: SIGINT}`) and merge it with `<<: *defaults`")
      }
      entries += more.filter { entry in !entries.contains { $0.key == entry.key } }
    }
    return entries
  }
}
