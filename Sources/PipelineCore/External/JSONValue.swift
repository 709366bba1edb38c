import FoundationEssentials

/// A JSON value: what an external stage's `config:` becomes in the protocol's `hello`, and what
/// a served stage reads its configuration back from.
///
/// As an option, it takes any YAML value. Unquoted scalars that read as `true`/`false`, a
/// number or `null` become those; everything else is a string (so `"8080"` in quotes stays a
/// string, `8080` is a number).
public enum JSONValue: Sendable, Hashable, Codable {
  case null
  case bool(Bool)
  /// A number, kept as its text so that `8080` does not turn into `8080.0`.
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .number(String(value))
    } else if let value = try? container.decode(Double.self) {
      self = .number(String(value))
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .number(let text):
      if let whole = Int(text) { try container.encode(whole) } else { try container.encode(Double(text) ?? 0) }
    case .string(let value): try container.encode(value)
    case .array(let values): try container.encode(values)
    case .object(let values): try container.encode(values)
    }
  }

  /// The value as a ``ConfigNode`` located at `location`, so that a ``StageConfiguration``
  /// reads it exactly as it would read the pipeline file.
  public func configNode(at location: SourceLocation) -> ConfigNode {
    switch self {
    case .null: return ConfigNode(.null, at: location)
    case .bool(let value): return ConfigNode(.scalar(value ? "true" : "false", quoted: false), at: location)
    case .number(let text): return ConfigNode(.scalar(text, quoted: false), at: location)
    case .string(let text): return ConfigNode(.scalar(text, quoted: true), at: location)
    case .array(let values): return ConfigNode(.sequence(values.map { $0.configNode(at: location) }), at: location)
    case .object(let values):
      let entries = values.keys.sorted().map { key in
        ConfigNode.Entry(key: key, keyLocation: location, value: values[key]!.configNode(at: location))
      }
      return ConfigNode(.mapping(entries), at: location)
    }
  }
}

extension JSONValue: OptionValue {
  public static var optionTypeName: String { "any value" }
  public static var optionPlaceholder: JSONValue { .object([:]) }

  public init(option node: ConfigNode) throws(Diagnostic) {
    switch node.value {
    case .null: self = .null
    case .scalar(let text, let quoted):
      if quoted {
        self = .string(text)
      } else if ["true", "false"].contains(text) {
        self = .bool(text == "true")
      } else if text == "null" || text == "~" {
        self = .null
      } else if Int(text) != nil || (Double(text) != nil && text.allSatisfy({ "0123456789.eE+-".contains($0) })) {
        self = .number(text)
      } else {
        self = .string(text)
      }
    case .sequence(let items):
      var values: [JSONValue] = []
      for item in items { values.append(try JSONValue(option: item)) }
      self = .array(values)
    case .mapping(let entries):
      var values: [String: JSONValue] = [:]
      for entry in entries { values[entry.key] = try JSONValue(option: entry.value) }
      self = .object(values)
    }
  }

  public var optionDescription: String {
    guard let data = try? JSONEncoder.sortedKeys.encode(self) else { return "null" }
    return String(decoding: data, as: UTF8.self)
  }
}

extension JSONEncoder {
  /// An encoder with sorted keys and no escaped slashes: stable, readable lines.
  static var sortedKeys: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }
}
