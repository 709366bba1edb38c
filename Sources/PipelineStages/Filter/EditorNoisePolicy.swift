import PipelineCore

/// The `editor_noise:` setting of the filter stage: what to do with the swap, backup and
/// temporary files that editors write next to the files being edited (see ``EditorNoise``).
enum EditorNoisePolicy: String, Sendable, CaseIterable, KeywordOption {
  static let optionKey = "editor_noise"

  /// Drop changes to editor files.
  case ignore
  /// Treat them as any other file.
  case keep
}
