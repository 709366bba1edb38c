/// An option whose value is one of a few words — an enum with `String` raw values, such as
/// `on_busy: restart | queue | ignore`. Conforming is all it takes: reading, the error for
/// an unknown word (with a "did you mean"), and the reference text come with it.
///
/// ```swift
/// enum Verbosity: String, CaseIterable, KeywordOption {
///   static let optionKey = "verbosity"
///   case quiet, normal, loud
/// }
/// ```
public protocol KeywordOption: OptionValue, RawRepresentable<String>, CaseIterable {
  /// The YAML key, named in the error for an unknown word.
  static var optionKey: String { get }
}

extension KeywordOption {
  private static var words: [String] { allCases.map(\.rawValue) }

  public static var optionTypeName: String { "one of " + words.joined(separator: ", ") }
  /// The first case.
  public static var optionPlaceholder: Self { Array(allCases)[0] }

  public init(option node: ConfigNode) throws(Diagnostic) {
    let text = try String(option: node)
    guard let value = Self(rawValue: text) else {
      let words = Self.words
      let choices = words.count > 1 ? words.dropLast().joined(separator: ", ") + " or " + words.last! : words.joined()
      throw Diagnostic(
        at: node.location, "'\(Self.optionKey)' must be \(choices), got '\(text)'",
        help: Suggestions.hint(for: text, known: words))
    }
    self = value
  }

  public var optionDescription: String { rawValue }
}
