/// A value of a pipeline file with the place it was written, independent of the YAML parser.
///
/// The loader converts the parser's tree once, so stage configurations can be read (and
/// errors located) without touching parser types, which are not `Sendable`.
public struct ConfigNode: Sendable, Hashable {
  /// One `key: value` pair of a mapping.
  public struct Entry: Sendable, Hashable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: ConfigNode

    public init(key: String, keyLocation: SourceLocation, value: ConfigNode) {
      self.key = key
      self.keyLocation = keyLocation
      self.value = value
    }
  }

  public enum Value: Sendable, Hashable {
    /// A scalar's text; `quoted` is `true` when it was written in quotes (so `"1"` stays a
    /// string even where a number is accepted).
    case scalar(String, quoted: Bool)
    case sequence([ConfigNode])
    case mapping([Entry])
    /// An empty value, `~` or `null`.
    case null
  }

  public var value: Value
  public var location: SourceLocation

  public init(_ value: Value, at location: SourceLocation) {
    self.value = value
    self.location = location
  }

  /// The entry for `key`, when this is a mapping that has it.
  public subscript(key: String) -> Entry? {
    guard case .mapping(let entries) = value else { return nil }
    return entries.first { $0.key == key }
  }

  /// How the value's kind reads in an error message: `a string`, `a list`, `a mapping`.
  public var kindDescription: String {
    switch value {
    case .scalar(let text, _): return "'\(text)'"
    case .sequence: return "a list"
    case .mapping: return "a mapping"
    case .null: return "nothing"
    }
  }
}
