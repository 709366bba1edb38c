import PipelineCore

/// The `unchanged:` setting of the filter stage: what to do with a change to a file whose
/// content is the same as when the filter last let it through (a `touch`, a save without
/// edits).
enum UnchangedPolicy: String, Sendable, CaseIterable, KeywordOption {
  static let optionKey = "unchanged"

  /// Drop the change: nothing to rebuild.
  case skip
  /// Let it through; file contents are then never read.
  case keep
}
