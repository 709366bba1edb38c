import PipelineCore

/// What `restart` does when the app exits by itself (not stopped by `pipeline`).
enum ExitPolicy: String, Sendable, CaseIterable, OptionValue {
  /// Report the status and wait for the next change.
  case wait
  /// Report the status and start the app again, backing off while it keeps crashing.
  case restart

  static var optionTypeName: String { "one of wait, restart" }
  static var optionPlaceholder: ExitPolicy { .wait }
  init(option node: ConfigNode) throws(Diagnostic) {
    let text = try String(option: node)
    guard let policy = ExitPolicy(rawValue: text) else {
      throw Diagnostic(
        at: node.location, "'on_exit' must be wait or restart, got '\(text)'",
        help: Suggestions.hint(for: text, known: ExitPolicy.allCases.map(\.rawValue)))
    }
    self = policy
  }
  var optionDescription: String { rawValue }
}
