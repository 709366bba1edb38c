import PipelineCore

/// What `restart` does when the app exits by itself (not stopped by `pipeline`).
enum ExitPolicy: String, Sendable, CaseIterable, KeywordOption {
  static let optionKey = "on_exit"

  /// Report the status and wait for the next change.
  case wait
  /// Report the status and start the app again, backing off while it keeps crashing.
  case restart
}
