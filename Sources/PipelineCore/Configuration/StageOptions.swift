/// Reads a stage's keys from its part of the pipeline file — or, when a stage type is only
/// being described, records what it would read.
///
/// A ``StageConfiguration`` reads every key through this type, once, in its initialiser:
///
/// ```swift
/// struct Configuration: StageConfiguration {
///   var window: Duration
///   init(options: StageOptions) throws {
///     window = try options.value("window", default: .milliseconds(100),
///                                help: "Quiet period before a batch goes on.")
///   }
/// }
/// ```
///
/// Because reading and describing are the same code, the reference that `pipeline stages`
/// prints cannot drift from what a stage accepts. Keys the configuration never asked for
/// are reported by the loader as unknown, with the nearest known key as a suggestion.
public final class StageOptions {
  /// A key a configuration reads: its name, type, default and help.
  public struct Description: Sendable, Hashable {
    public var key: String
    public var typeName: String
    /// The default as written in YAML, or `nil` when the key is required or has no default.
    public var defaultValue: String?
    public var isRequired: Bool
    public var help: String
  }

  /// The stage's instance name, for messages.
  public let stageName: String
  /// `true` when no file is read and every key yields its default or placeholder.
  public let isDescribing: Bool
  /// Where the stage's mapping starts.
  public let location: SourceLocation?

  private let entries: [String: ConfigNode.Entry]
  private var order: [String] = []
  private var descriptions: [String: Description] = [:]

  /// `true` when a value that does not fit is recorded in ``problems`` and reading goes on
  /// with the default; `false` when reading it throws.
  public let collectsProblems: Bool

  /// Options read from a stage's mapping, minus the keys the loader handles itself.
  ///
  /// - Parameter collectsProblems: record a bad value in ``problems`` and go on with the
  ///   default, so every bad value of the stage is found (what the loader does); otherwise
  ///   the first bad value throws.
  public init(stageName: String, entries: [ConfigNode.Entry], location: SourceLocation?, collectsProblems: Bool = false) {
    self.stageName = stageName
    self.isDescribing = false
    self.collectsProblems = collectsProblems
    self.location = location
    self.entries = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Options that read nothing and record every key asked for.
  public init(describing typeName: String) {
    self.stageName = typeName
    self.isDescribing = true
    self.collectsProblems = false
    self.location = nil
    self.entries = [:]
  }

  /// Every key asked for so far, in order.
  public var describedKeys: [Description] { order.compactMap { descriptions[$0] } }

  /// The keys present in the file that were never asked for.
  public var unreadEntries: [ConfigNode.Entry] {
    entries.values.filter { descriptions[$0.key] == nil }.sorted {
      ($0.keyLocation.line, $0.keyLocation.column) < ($1.keyLocation.line, $1.keyLocation.column)
    }
  }

  /// Whether the file sets `key`.
  public func contains(_ key: String) -> Bool { entries[key] != nil }

  /// The value of `key`, or `defaultValue` when the file leaves it out.
  public func value<T: OptionValue>(_ key: String, default defaultValue: T, help: String) throws -> T {
    record(key, T.self, defaultValue.optionDescription, required: false, help: help)
    guard let entry = entries[key] else { return defaultValue }
    if case .null = entry.value.value { return defaultValue }
    return try read(entry) ?? defaultValue
  }

  /// The value of `key`, or `nil` when the file leaves it out.
  ///
  /// - Parameter defaultText: how the reference describes the absence, when that has a meaning
  ///   (`"the stage listed before"`).
  public func optional<T: OptionValue>(
    _ key: String, as type: T.Type = T.self, defaultText: String? = nil, help: String
  ) throws -> T? {
    record(key, T.self, defaultText, required: false, help: help)
    guard let entry = entries[key] else { return nil }
    if case .null = entry.value.value { return nil }
    return try read(entry)
  }

  /// The value of `key`; its absence is an error located at the stage.
  ///
  /// When ``collectsProblems``, a missing or bad value is recorded in ``problems`` and reading
  /// goes on with a placeholder, so the stage's other bad values are reported in the same run.
  public func required<T: OptionValue>(_ key: String, as type: T.Type = T.self, help: String) throws -> T {
    record(key, T.self, nil, required: true, help: help)
    if isDescribing { return T.optionPlaceholder }
    guard let entry = entries[key] else {
      let missing = Diagnostic(
        at: location, "stage '\(stageName)' needs '\(key)'", help: "add `\(key): …` (\(help))")
      guard collectsProblems else { throw missing }
      problems.append(missing)
      return T.optionPlaceholder
    }
    do {
      let value = try T(option: entry.value)
      warnings += T.optionWarnings(for: entry.value)
      return value
    } catch {
      let diagnostic = explained(error, key: key, node: entry.value, as: T.self)
      guard collectsProblems else { throw diagnostic }
      problems += everyProblem(diagnostic, in: entry.value, as: T.self)
      return T.optionPlaceholder
    }
  }

  /// The problems found in values read so far, when ``collectsProblems``: a value that does
  /// not fit is recorded here and reading goes on with the default, so one run reports every
  /// bad value of a stage; the loader reports these, and drops the configuration.
  public private(set) var problems: [Diagnostic] = []

  /// Warnings about values read so far that read well but may not mean what was meant
  /// (``OptionValue/optionWarnings(for:)``); the loader keeps them for `validate` and `run`.
  public private(set) var warnings: [Diagnostic] = []

  /// The entry's value; when it does not fit, throws, or returns `nil` after recording why.
  private func read<T: OptionValue>(_ entry: ConfigNode.Entry) throws(Diagnostic) -> T? {
    do {
      let value = try T(option: entry.value)
      warnings += T.optionWarnings(for: entry.value)
      return value
    } catch {
      let diagnostic = explained(error, key: entry.key, node: entry.value, as: T.self)
      guard collectsProblems else { throw diagnostic }
      problems += everyProblem(diagnostic, in: entry.value, as: T.self)
      return nil
    }
  }

  /// `diagnostic` (the first bad item of a list), or the problems of every bad item.
  private func everyProblem<T: OptionValue>(_ diagnostic: Diagnostic, in node: ConfigNode, as type: T.Type) -> [Diagnostic] {
    if let partwise = T.self as? any PartwiseOptionValue.Type {
      let all = partwise.everyProblem(in: node)
      return all.count > 1 ? all : [diagnostic]
    }
    guard let list = T.self as? any ListOptionValue.Type else { return [diagnostic] }
    let all = list.itemProblems(in: node)
    return all.count > 1 ? all : [diagnostic]
  }

  /// `diagnostic`, with a help naming the key when a list-valued key got something that is
  /// neither a list nor one item (`paths: {a: b}`).
  private func explained<T: OptionValue>(_ diagnostic: Diagnostic, key: String, node: ConfigNode, as type: T.Type) -> Diagnostic {
    guard T.self is any ListOptionValue.Type, case .mapping = node.value, diagnostic.location == node.location
    else { return diagnostic }
    // The key's own help names what the items are: "Folders to watch, relative to …".
    let what = descriptions[key]?.help.prefix { $0 != "," && $0 != "." && $0 != ";" && $0 != ":" } ?? ""
    let items = what.isEmpty ? "" : " (\(what.prefix(1).lowercased() + what.dropFirst()))"
    var explained = diagnostic
    explained.help = "'\(key)' takes a list\(items): write it like `\(key): [first, second]` (one value alone is a list of one)"
    return explained
  }

  /// A diagnostic located at the value of `key` (or at the stage when it is absent), for
  /// checks of meaning made after reading, such as "must be greater than zero".
  public func invalid(_ key: String, _ message: String, help: String? = nil) -> Diagnostic {
    Diagnostic(at: entries[key]?.value.location ?? location, message, help: help)
  }

  /// Refuses a value that reads well but is wrong in meaning (`'timeout' must be longer
  /// than 0`), located at `node` or at the value of `key`. When ``collectsProblems`` (the
  /// loader), the problem is recorded and the caller goes on reading the other keys, so every
  /// bad value of the stage is reported in one run; the loader then drops the configuration.
  /// Otherwise it throws.
  public func reject(_ key: String, _ message: String, at node: ConfigNode? = nil, help: String? = nil) throws(Diagnostic) {
    let problem = Diagnostic(at: node?.location ?? entries[key]?.value.location ?? location, message, help: help)
    guard collectsProblems else { throw problem }
    problems.append(problem)
  }

  /// Item `index` of the list written for `key`, for a check that points at one item; `nil`
  /// when the value is not a list (one item alone), so the check points at the value.
  public func item(_ index: Int, of key: String) -> ConfigNode? {
    guard case .sequence(let items)? = entries[key]?.value.value, index < items.count else { return nil }
    return items[index]
  }

  /// Where the value of `key` is written, if it is.
  public func location(of key: String) -> SourceLocation? { entries[key]?.value.location }

  private func record(_ key: String, _ type: any OptionValue.Type, _ defaultValue: String?, required: Bool, help: String) {
    if descriptions[key] == nil { order.append(key) }
    descriptions[key] = Description(
      key: key, typeName: type.optionTypeName, defaultValue: defaultValue, isRequired: required, help: help)
  }
}
