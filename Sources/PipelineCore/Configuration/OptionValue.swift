/// A type a stage option can have: it reads itself from a ``ConfigNode`` and says how it is
/// written, so `pipeline stages` can describe every key from the types themselves.
///
/// Conforming types: `String`, `Bool`, `Int`, `Double`, `Duration`, ``ProcessSignal``,
/// ``CommandSpec``, arrays of those and `[String: String]`.
public protocol OptionValue: Sendable {
  /// The type as the reference shows it: `duration`, `string`, `list of string`.
  static var optionTypeName: String { get }
  /// A value used when a configuration is instantiated only to describe it.
  static var optionPlaceholder: Self { get }
  /// Reads the value; throws a ``Diagnostic`` located at `node` when it does not fit.
  init(option node: ConfigNode) throws(Diagnostic)
  /// How a default value is shown in the reference: `50ms`, `["."]`, `SIGTERM`.
  var optionDescription: String { get }
  /// Warnings about a value that reads well but may not mean what its author meant (a glob
  /// `**.go`, which matches in one folder only), located at `node`. `pipeline validate` and
  /// `pipeline run` print them. Default: none.
  static func optionWarnings(for node: ConfigNode) -> [Diagnostic]
}

extension OptionValue {
  public static func optionWarnings(for node: ConfigNode) -> [Diagnostic] { [] }
}

extension OptionValue {
  /// The error for a value of the wrong kind: "expected …, got …", with an example.
  public static func mismatch(_ node: ConfigNode, expected: String, example: String? = nil) -> Diagnostic {
    Diagnostic(
      at: node.location, "expected \(expected), got \(node.kindDescription)",
      help: example.map { "write it like \($0)" })
  }
}

extension String: OptionValue {
  public static var optionTypeName: String { "string" }
  public static var optionPlaceholder: String { "" }
  public init(option node: ConfigNode) throws(Diagnostic) {
    guard case .scalar(let text, _) = node.value else {
      if case .null = node.value {
        throw Diagnostic(
          at: node.location, "expected a string, got nothing", help: "write a value after the colon, or leave the key out")
      }
      throw Self.mismatch(node, expected: "a string")
    }
    self = text
  }
  public var optionDescription: String { "\"\(self)\"" }
}

extension Bool: OptionValue {
  public static var optionTypeName: String { "boolean" }
  public static var optionPlaceholder: Bool { false }
  public init(option node: ConfigNode) throws(Diagnostic) {
    guard case .scalar(let text, let quoted) = node.value else {
      throw Diagnostic(at: node.location, "expected true or false, got \(node.kindDescription)", help: "write true or false")
    }
    guard !quoted else {
      throw Diagnostic(
        at: node.location, "expected true or false, got \(node.kindDescription)",
        help: "write true or false without quotes: a quoted value is text")
    }
    switch text.lowercased() {
    case "true", "yes", "on": self = true
    case "false", "no", "off": self = false
    default:
      throw Diagnostic(at: node.location, "expected true or false, got \(node.kindDescription)", help: "write true or false")
    }
  }
  public var optionDescription: String { self ? "true" : "false" }
}

extension Int: OptionValue {
  public static var optionTypeName: String { "integer" }
  public static var optionPlaceholder: Int { 0 }
  public init(option node: ConfigNode) throws(Diagnostic) {
    guard case .scalar(let text, false) = node.value, let number = Int(text) else {
      throw Self.mismatch(node, expected: "a whole number")
    }
    self = number
  }
  public var optionDescription: String { String(self) }
}

extension Double: OptionValue {
  public static var optionTypeName: String { "number" }
  public static var optionPlaceholder: Double { 0 }
  public init(option node: ConfigNode) throws(Diagnostic) {
    guard case .scalar(let text, false) = node.value, let number = Double(text) else {
      throw Self.mismatch(node, expected: "a number")
    }
    self = number
  }
  public var optionDescription: String { String(self) }
}

/// A value read from parts checked one by one, like a mapping of settings (`ready: {port: …,
/// timeout: …}`): when it does not fit, the loader reports the problem of every part, not
/// only the first one its initializer throws.
public protocol PartwiseOptionValue: OptionValue {
  /// The problem of every part of `node` that does not fit; empty when it fits.
  static func everyProblem(in node: ConfigNode) -> [Diagnostic]
}

/// Marks the list types, whose errors can say that a list is accepted.
protocol ListOptionValue {
  /// The problem of every item of a list `node` that does not fit, so that a list with two
  /// bad items is reported with both; empty when `node` is not a list.
  static func itemProblems(in node: ConfigNode) -> [Diagnostic]
}

extension Array: ListOptionValue where Element: OptionValue {
  static func itemProblems(in node: ConfigNode) -> [Diagnostic] {
    guard case .sequence(let items) = node.value else { return [] }
    return items.compactMap { item -> Diagnostic? in
      do throws(Diagnostic) {
        _ = try Element(option: item)
        return nil
      } catch {
        return error
      }
    }
  }
}

extension Array: OptionValue where Element: OptionValue {
  public static var optionTypeName: String { "list of \(Element.optionTypeName)" }
  public static var optionPlaceholder: [Element] { [] }
  /// A list; a single value is accepted as a list of one (`paths: src`).
  public init(option node: ConfigNode) throws(Diagnostic) {
    switch node.value {
    case .sequence(let items):
      var values: [Element] = []
      for item in items { values.append(try Element(option: item)) }
      self = values
    case .null: self = []
    default:
      do {
        self = [try Element(option: node)]
      } catch {
        var explained = error
        if case .mapping = node.value, explained.help == nil {
          explained.help = "write a list, like [first, second] (one value alone is a list of one)"
        }
        throw explained
      }
    }
  }
  public var optionDescription: String {
    "[" + map(\.optionDescription).joined(separator: ", ") + "]"
  }
  /// The warnings of each item.
  public static func optionWarnings(for node: ConfigNode) -> [Diagnostic] {
    guard case .sequence(let items) = node.value else { return Element.optionWarnings(for: node) }
    return items.flatMap { Element.optionWarnings(for: $0) }
  }
}

extension Dictionary: OptionValue where Key == String, Value == String {
  public static var optionTypeName: String { "mapping of string to string" }
  public static var optionPlaceholder: [String: String] { [:] }
  /// A mapping whose scalar values are taken as text (`PORT: 8080` is `"8080"`).
  public init(option node: ConfigNode) throws(Diagnostic) {
    switch node.value {
    case .mapping(let entries):
      var result: [String: String] = [:]
      for entry in entries {
        guard case .scalar(let text, _) = entry.value.value else {
          if case .null = entry.value.value {
            result[entry.key] = ""
            continue
          }
          throw Diagnostic(
            at: entry.value.location,
            "the value of '\(entry.key)' must be a string, got \(entry.value.kindDescription)")
        }
        result[entry.key] = text
      }
      self = result
    case .null: self = [:]
    default: throw Self.mismatch(node, expected: "a mapping", example: "{ KEY: value }")
    }
  }
  public var optionDescription: String {
    "{" + sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
  }
}

extension ProcessSignal: OptionValue {
  public static var optionTypeName: String { "signal" }
  public static var optionPlaceholder: ProcessSignal { .terminate }
  public init(option node: ConfigNode) throws(Diagnostic) {
    guard case .scalar(let text, _) = node.value, let signal = ProcessSignal(named: text) else {
      throw Diagnostic(
        at: node.location, "expected a signal name, got \(node.kindDescription)",
        help: "use one of " + ProcessSignal.stopSignals.map(\.name).joined(separator: ", ")
          + " (the SIG prefix is optional)")
    }
    self = signal
  }
  public var optionDescription: String { name }
}

extension CommandSpec: OptionValue {
  public static var optionTypeName: String { "command" }
  public static var optionPlaceholder: CommandSpec { .shell("") }
  /// A string (run by `/bin/sh -c`) or a non-empty list of strings (an argv).
  public init(option node: ConfigNode) throws(Diagnostic) {
    switch node.value {
    case .scalar(let line, _):
      guard !line.trimmingWhitespace.isEmpty else {
        throw Diagnostic(at: node.location, "the command is empty", help: "write a command, like `go build ./...`")
      }
      self = .shell(line)
    case .sequence:
      let words = try [String](option: node)
      guard let first = words.first, !first.isEmpty else {
        throw Diagnostic(at: node.location, "the command is empty", help: "write an argv, like [go, test, ./...]")
      }
      self = .argv(words)
    default:
      throw Self.mismatch(node, expected: "a command (a string or a list of strings)", example: "`go build .` or [go, build, .]")
    }
  }
  public var optionDescription: String { description }

  /// A `{word}` that looks meant for `{files}` (`{file}`, `{FILES}`, `{changed_files}`) is
  /// passed to the command as it is written: only `{files}` is replaced.
  public static func optionWarnings(for node: ConfigNode) -> [Diagnostic] {
    let texts: [(text: String, location: SourceLocation)]
    switch node.value {
    case .scalar(let text, _): texts = [(text, node.location)]
    case .sequence(let items):
      texts = items.compactMap { item in
        guard case .scalar(let text, _) = item.value else { return nil }
        return (text, item.location)
      }
    default: return []
    }
    return texts.flatMap { text, location in
      lookalikePlaceholders(in: text).map { word in
        Diagnostic(
          at: location,
          "'{\(word)}' is no placeholder: only \(filesPlaceholder) is replaced (by the changed files), so the command gets '{\(word)}' as it is",
          help: "write \(filesPlaceholder)", severity: .warning)
      }
    }
  }

  /// The words in braces in `text`, other than `files`, that hold `file` in any case.
  private static func lookalikePlaceholders(in text: String) -> [String] {
    var found: [String] = []
    let characters = Array(text)
    var index = 0
    while index < characters.count {
      defer { index += 1 }
      guard characters[index] == "{" else { continue }
      var close = index + 1
      while close < characters.count, characters[close].isLetter || characters[close] == "_" { close += 1 }
      guard close > index + 1, close < characters.count, characters[close] == "}" else { continue }
      let word = String(characters[(index + 1)..<close])
      if word != "files", word.lowercased().contains("file"), !found.contains(word) { found.append(word) }
    }
    return found
  }
}

extension String {
  var trimmingWhitespace: Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let start = firstIndex(where: { !isSpace($0) }),
      let end = lastIndex(where: { !isSpace($0) })
    else { return "" }
    return self[start...end]
  }
}
