import PipelineCore

/// The `editor_noise:` setting of the filter stage: what to do with the swap, backup and
/// temporary files that editors write next to the files being edited (see ``EditorNoise``).
enum EditorNoisePolicy: String, Sendable, CaseIterable, OptionValue {
  /// Drop changes to editor files.
  case ignore
  /// Treat them as any other file.
  case keep

  static var optionTypeName: String { "one of ignore, keep" }
  static var optionPlaceholder: EditorNoisePolicy { .ignore }
  init(option node: ConfigNode) throws(Diagnostic) {
    let text = try String(option: node)
    guard let policy = EditorNoisePolicy(rawValue: text) else {
      throw Diagnostic(
        at: node.location, "'editor_noise' must be ignore or keep, got '\(text)'",
        help: Suggestions.hint(for: text, known: EditorNoisePolicy.allCases.map(\.rawValue)))
    }
    self = policy
  }
  var optionDescription: String { rawValue }
}
