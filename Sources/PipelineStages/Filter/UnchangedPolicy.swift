import PipelineCore

/// The `unchanged:` setting of the filter stage: what to do with a change to a file whose
/// content is the same as when the filter last let it through (a `touch`, a save without
/// edits).
enum UnchangedPolicy: String, Sendable, CaseIterable, OptionValue {
  /// Drop the change: nothing to rebuild.
  case skip
  /// Let it through; file contents are then never read.
  case keep

  static var optionTypeName: String { "one of skip, keep" }
  static var optionPlaceholder: UnchangedPolicy { .skip }
  init(option node: ConfigNode) throws(Diagnostic) {
    let text = try String(option: node)
    guard let policy = UnchangedPolicy(rawValue: text) else {
      throw Diagnostic(
        at: node.location, "'unchanged' must be skip or keep, got '\(text)'",
        help: Suggestions.hint(for: text, known: UnchangedPolicy.allCases.map(\.rawValue)))
    }
    self = policy
  }
  var optionDescription: String { rawValue }
}
